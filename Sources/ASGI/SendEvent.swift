/// What an application passes to `send`.
public enum SendEvent: Sendable {
    /// `http.response.start`. The server holds it until the first body message, so a one-shot
    /// response goes out in one write with a `content-length`.
    case responseStart(status: Int, headers: Headers = Headers(), trailers: Bool = false)
    /// `http.response.body`. `moreBody: true` streams (chunked unless a `content-length` was given).
    case responseBody(_ body: [UInt8], moreBody: Bool = false)
    /// `http.response.trailers` (only after `responseStart(trailers: true)`).
    case responseTrailers(headers: Headers, moreTrailers: Bool = false)
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
        case .responseTrailers: "http.response.trailers"
        case .lifespanStartupComplete: "lifespan.startup.complete"
        case .lifespanStartupFailed: "lifespan.startup.failed"
        case .lifespanShutdownComplete: "lifespan.shutdown.complete"
        case .lifespanShutdownFailed: "lifespan.shutdown.failed"
        }
    }
}
