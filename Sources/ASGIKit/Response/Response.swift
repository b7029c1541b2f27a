public import ASGI

/// What a handler returns: a status, headers, and a body that is either bytes in memory or a
/// stream of chunks.
///
/// ```swift
/// return .text("Hello, ASGI!")
/// return try .json(["message": "Hello, JSON!"])
/// return .stream(lines)                        // any AsyncSequence of [UInt8]: chunked on the wire
/// return .redirect(to: "/login")
/// return Response(status: 201, headers: [("location", "/users/7")], body: .bytes([]))
/// ```
public struct Response: Sendable {
    /// The body: all bytes at once (sent with a `content-length`), or chunks as they come.
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(ChunkSource)
    }

    public var status: Int
    public var headers: Headers
    public var body: Body

    public init(status: Int = 200, headers: Headers = Headers(), body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `text/plain; charset=utf-8`.
    public static func text(_ text: String, status: Int = 200, headers: Headers? = nil) -> Response {
        Response(
            status: status, headers: headers.map { $0.adding(ContentType.text) } ?? ContentType.textHeaders,
            body: .bytes(Array(text.utf8)))
    }

    /// Raw bytes, `application/octet-stream` unless `contentType` says otherwise.
    public static func bytes(
        _ bytes: [UInt8], status: Int = 200, contentType: String = "application/octet-stream",
        headers: Headers = Headers()
    ) -> Response {
        var all = headers
        all.append(name: "content-type", value: contentType)
        return Response(status: status, headers: all, body: .bytes(bytes))
    }

    /// A streamed body: each element of `sequence` is sent as it is produced (chunked encoding
    /// unless a `content-length` header is set); `send` waits while the socket is full, so a fast
    /// producer is slowed to the client's pace. An error before the first chunk becomes an error
    /// response; after it, the connection is closed (the client sees a truncated body).
    public static func stream<Chunks: AsyncSequence & Sendable>(
        _ sequence: Chunks, status: Int = 200, contentType: String = "application/octet-stream",
        headers: Headers = Headers()
    ) -> Response where Chunks.Element == [UInt8] {
        var all = headers
        all.append(name: "content-type", value: contentType)
        return Response(status: status, headers: all, body: .stream(ChunkSource(sequence)))
    }

    /// A redirect to `location` (307 keeps the method and body; pass 301, 302, 303 or 308 as needed).
    public static func redirect(to location: String, status: Int = 307) -> Response {
        Response(status: status, headers: [("location", location)], body: .bytes([]))
    }

    /// The response for an error: an ``HTTPError`` gives its status and message; anything else is
    /// a 500 whose details stay in the log.
    public init(error: any Error) {
        if let http = error as? HTTPError {
            self = .text(http.message, status: http.status, headers: http.headers)
        } else {
            self = .text("Internal Server Error", status: 500)
        }
    }
}

/// A type-erased stream of body chunks: each ``open()`` starts one iteration of the sequence.
public struct ChunkSource: Sendable {
    private let makeNext: @Sendable () -> () async throws -> [UInt8]?

    public init<Chunks: AsyncSequence & Sendable>(_ sequence: Chunks) where Chunks.Element == [UInt8] {
        makeNext = {
            var iterator = sequence.makeAsyncIterator()
            return { try await iterator.next(isolation: #isolation) }
        }
    }

    /// A function returning the next chunk, nil at the end.
    public func open() -> () async throws -> [UInt8]? { makeNext() }
}

enum ContentType {
    static let text = "text/plain; charset=utf-8"
    static let json = "application/json"
    static let textHeaders: Headers = [("content-type", text)]
    static let jsonHeaders: Headers = [("content-type", json)]
}

extension Headers {
    /// A copy with `content-type` set unless the caller set one.
    func adding(_ contentType: String) -> Headers {
        if contains(name: "content-type") { return self }
        var copy = self
        copy.append(name: "content-type", value: contentType)
        return copy
    }
}
