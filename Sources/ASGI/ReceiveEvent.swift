/// What `receive()` returns.
public enum ReceiveEvent: Sendable, Equatable {
    /// `http.request`: a piece of the request body; `moreBody` is false on the last one.
    case request(body: [UInt8], moreBody: Bool)
    /// `http.disconnect`: the client went away, or the response is complete.
    case disconnect
    /// `lifespan.startup`.
    case lifespanStartup
    /// `lifespan.shutdown`.
    case lifespanShutdown

    /// The ASGI `type` string of the event.
    public var type: String {
        switch self {
        case .request: "http.request"
        case .disconnect: "http.disconnect"
        case .lifespanStartup: "lifespan.startup"
        case .lifespanShutdown: "lifespan.shutdown"
        }
    }
}
