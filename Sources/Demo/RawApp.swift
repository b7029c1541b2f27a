import ASGI

/// The demo as a raw ASGI application, no framework: what `asgi-demo --raw-app` serves and the
/// baseline the framework is measured against.
///
/// - `GET /` → `Hello, ASGI!`
/// - `POST /echo` → the request body streamed back as it arrives
/// - WebSocket `/ws` → echo (text as text, bytes as bytes); any other WebSocket path → 403
/// - anything else → 404 (405 for another method on a known path)
enum RawApp {
    static let hello: [UInt8] = Array("Hello, ASGI!".utf8)
    static let textHeaders: Headers = [("content-type", "text/plain; charset=utf-8")]

    static let application: Application = { scope, receive, send in
        if scope.type == .websocket {
            try await webSocketEcho(scope, receive, send)
            return
        }
        guard scope.type == .http else { return }
        switch (scope.method, scope.path) {
        case ("GET", "/"), ("HEAD", "/"):
            try await send(.responseStart(status: 200, headers: textHeaders))
            try await send(.responseBody(hello))
        case ("POST", "/echo"):
            try await echo(receive, send)
        case (_, "/"), (_, "/echo"):
            var headers = textHeaders
            headers.append(name: "allow", value: scope.path == "/" ? "GET, HEAD" : "POST")
            try await send(.responseStart(status: 405, headers: headers))
            try await send(.responseBody(Array("Method Not Allowed".utf8)))
        default:
            try await send(.responseStart(status: 404, headers: textHeaders))
            try await send(.responseBody(Array("Not Found".utf8)))
        }
    }

    /// Streams the body back: each received chunk is sent as it comes (chunked on the wire).
    static func echo(_ receive: Receive, _ send: Send) async throws {
        var headers: Headers = [("content-type", "application/octet-stream")]
        var first = try await receive()
        if case .request(let body, false) = first {
            // Whole body in one event: one write with a content-length.
            headers.append(name: "content-length", value: String(body.count))
            try await send(.responseStart(status: 200, headers: headers))
            try await send(.responseBody(body))
            return
        }
        try await send(.responseStart(status: 200, headers: headers))
        while true {
            switch first {
            case .request(let body, let more):
                try await send(.responseBody(body, moreBody: more))
                if !more { return }
            default:
                return  // client left
            }
            first = try await receive()
        }
    }

    /// Accepts `/ws` and sends every message back until the client closes.
    static func webSocketEcho(_ scope: Scope, _ receive: Receive, _ send: Send) async throws {
        guard case .websocketConnect = try await receive() else { return }
        guard scope.path == "/ws" else {
            try await send(.websocketClose())
            return
        }
        try await send(.websocketAccept())
        while case .websocketReceive(let message) = try await receive() {
            try await send(.websocketSend(message))
        }
    }
}
