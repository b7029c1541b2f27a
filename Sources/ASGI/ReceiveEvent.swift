/// A WebSocket data message: `text` or `bytes`, as the ASGI `websocket.receive` and
/// `websocket.send` events carry them.
public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case bytes([UInt8])
}

/// What `receive()` returns.
public enum ReceiveEvent: Sendable, Equatable {
    /// `http.request`: a piece of the request body; `moreBody` is false on the last one.
    case request(body: [UInt8], moreBody: Bool)
    /// `http.disconnect`: the client went away, or the response is complete.
    case disconnect
    /// `websocket.connect`: the first event of a WebSocket scope; answer with `websocket.accept`,
    /// `websocket.close` or a denial response.
    case websocketConnect
    /// `websocket.receive`: one whole message from the client.
    case websocketReceive(WebSocketMessage)
    /// `websocket.disconnect`: the WebSocket is closed. `code` is the client's close code, 1005
    /// when its close frame had none, 1006 when the connection dropped without a close frame (or
    /// the handshake was refused); the server's own code when it closed for a protocol error,
    /// an oversized message (1009), a ping timeout (1011) or a shutdown (1012).
    case websocketDisconnect(code: Int, reason: String)
    /// `lifespan.startup`.
    case lifespanStartup
    /// `lifespan.shutdown`.
    case lifespanShutdown

    /// The ASGI `type` string of the event.
    public var type: String {
        switch self {
        case .request: "http.request"
        case .disconnect: "http.disconnect"
        case .websocketConnect: "websocket.connect"
        case .websocketReceive: "websocket.receive"
        case .websocketDisconnect: "websocket.disconnect"
        case .lifespanStartup: "lifespan.startup"
        case .lifespanShutdown: "lifespan.shutdown"
        }
    }
}
