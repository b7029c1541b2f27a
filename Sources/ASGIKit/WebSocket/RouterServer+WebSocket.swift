import ASGI
import Logging

extension RouterServer {
    /// Serves a websocket scope: the matching route's handler, or a 404 refusal. A handler that
    /// throws before answering the handshake refuses it (an ``HTTPError`` with its own status);
    /// a handler that returns without answering has the handshake accepted and closed (1000).
    func serveWebSocket(_ scope: Scope, _ receive: @escaping Receive, _ send: @escaping Send) async throws {
        let rawPath = scope.rawPath.isEmpty ? Array(scope.path.utf8) : scope.rawPath
        guard case .found(let route, let parameters) = webSocketTable.match(method: "GET", rawPath: rawPath),
            let handler = route.webSocket
        else {
            let socket = WebSocket(scope: scope, pathParameters: PathParameters(), receive: receive, send: send)
            try await socket.deny(Response(error: HTTPError(404)))
            return
        }
        let socket = WebSocket(scope: scope, pathParameters: parameters, receive: receive, send: send)
        do {
            try await handler(socket)
        } catch {
            if let asgi = error as? ASGIError, asgi.isDisconnected { return }
            guard !socket.isAnswered else { throw error }
            if !(error is HTTPError) {
                configuration.logger.error(
                    "Unhandled error in WebSocket handler", metadata: ["path": "\(scope.path)", "error": "\(error)"])
            }
            try await socket.deny(Response(error: error))
            return
        }
        if !socket.isAnswered {
            try await socket.accept()
        }
    }
}
