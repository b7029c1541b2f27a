/// What an application passes to `send`.
public enum SendEvent: Sendable {
    /// `http.response.start`. The server holds it until the first body message, so a one-shot
    /// response goes out in one write with a `content-length`.
    case responseStart(status: Int, headers: Headers = Headers(), trailers: Bool = false)
    /// `http.response.body`. `moreBody: true` streams (chunked unless a `content-length` was given).
    case responseBody(_ body: [UInt8], moreBody: Bool = false)
    /// `http.response.pathsend` (the ASGI path-send extension): instead of body messages, the
    /// server sends the file at the absolute `path` itself, opened off the event loop and written
    /// with `sendfile(2)`, with a `content-length` it takes from the file (leave `content-length`
    /// out of the start headers, or give the same number). `range`, this server's addition, sends
    /// only those bytes of the file (a 206 answer); it must lie within the file. A file that cannot
    /// be opened fails this `send` before anything is written (the server then answers 500 unless
    /// the application answers otherwise); one that fails mid-way closes the connection.
    case responsePathsend(path: String, range: Range<Int>? = nil)
    /// `http.response.trailers` (only after `responseStart(trailers: true)`).
    case responseTrailers(headers: Headers, moreTrailers: Bool = false)
    /// `websocket.accept`: completes the handshake (101). `subprotocol` must be one the client
    /// offered; `headers` are added to the 101 response.
    case websocketAccept(subprotocol: String? = nil, headers: Headers = Headers())
    /// `websocket.send`: one message. Suspends while more than the write high-water mark waits
    /// for the client.
    case websocketSend(WebSocketMessage)
    /// `websocket.close`: before `websocket.accept` the handshake is refused with 403; after it, a
    /// close frame with `code` and `reason` (cut to 123 bytes at a character boundary) is sent.
    case websocketClose(code: Int = 1000, reason: String = "")
    /// `websocket.http.response.start` (the denial-response extension): refuse the handshake with
    /// this HTTP response instead of accepting it.
    case websocketHTTPResponseStart(status: Int, headers: Headers = Headers())
    /// `websocket.http.response.body`: the denial response's body; `moreBody: true` streams it.
    case websocketHTTPResponseBody(_ body: [UInt8], moreBody: Bool = false)
    /// `lifespan.startup.complete`.
    case lifespanStartupComplete
    /// `lifespan.startup.failed`: the server logs the message and exits non-zero.
    case lifespanStartupFailed(message: String)
    /// `lifespan.shutdown.complete`.
    case lifespanShutdownComplete
    /// `lifespan.shutdown.failed`.
    case lifespanShutdownFailed(message: String)

    /// The ASGI `type` string of the event.
    public var type: String {
        switch self {
        case .responseStart: "http.response.start"
        case .responseBody: "http.response.body"
        case .responsePathsend: "http.response.pathsend"
        case .responseTrailers: "http.response.trailers"
        case .websocketAccept: "websocket.accept"
        case .websocketSend: "websocket.send"
        case .websocketClose: "websocket.close"
        case .websocketHTTPResponseStart: "websocket.http.response.start"
        case .websocketHTTPResponseBody: "websocket.http.response.body"
        case .lifespanStartupComplete: "lifespan.startup.complete"
        case .lifespanStartupFailed: "lifespan.startup.failed"
        case .lifespanShutdownComplete: "lifespan.shutdown.complete"
        case .lifespanShutdownFailed: "lifespan.shutdown.failed"
        }
    }
}
