/// How a response body goes on the wire, decided by `ResponseEncoder.encodeHead`.
public struct ResponseFraming: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        /// No body bytes may follow (HEAD, 1xx, 204, 304).
        case none
        /// Exactly this many body bytes follow.
        case contentLength(Int)
        /// The body is sent with `ResponseEncoder.encodeChunk` and ends with `encodeLastChunk`.
        case chunked
        /// HTTP/1.0 streaming: the body ends when the connection closes.
        case closeDelimited
    }

    public var body: Body
    /// Whether the connection may be reused after this response.
    public var keepAlive: Bool

    public init(body: Body, keepAlive: Bool) {
        self.body = body
        self.keepAlive = keepAlive
    }
}
