/// What the response encoder needs to know about the request being answered.
public struct RequestInfo: Sendable {
    /// The request method was HEAD: no body goes on the wire.
    public var isHead: Bool
    /// The request's minor HTTP version, 0 or 1 (anything above 0 is treated as 1).
    public var versionMinor: Int
    /// `RequestHead.keepAlive`, AND-ed by the server with its own wishes (e.g. shutting down).
    public var keepAlive: Bool

    public init(isHead: Bool, versionMinor: Int, keepAlive: Bool) {
        self.isHead = isHead
        self.versionMinor = versionMinor
        self.keepAlive = keepAlive
    }
}
