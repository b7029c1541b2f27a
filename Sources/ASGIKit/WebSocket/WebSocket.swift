public import ASGI
import Synchronization

/// A WebSocket route's handler: runs on the event loop's thread for the life of the connection.
/// Returning closes the WebSocket normally (1000); throwing before ``WebSocket/accept(subprotocol:headers:)``
/// refuses the handshake (an ``HTTPError`` with its status, anything else 500), after it closes
/// with 1011.
public typealias WebSocketHandler = @Sendable (WebSocket) async throws -> Void

/// One WebSocket connection as a route handler sees it: the scope, the path parameters, and the
/// ASGI websocket messages behind a small API.
///
/// ```swift
/// router.websocket("/ws/echo/:name") { ws in
///     try await ws.accept()
///     for try await message in ws.messages {
///         switch message {
///         case .text(let text): try await ws.send(text: text)
///         case .bytes(let bytes): try await ws.send(bytes: bytes)
///         }
///     }
///     // the client closed: ws.closeCode says how
/// }
/// ```
public final class WebSocket: Sendable {
    /// The ASGI websocket scope.
    public let scope: Scope
    /// Values of the route's `:name` segments and trailing `*`.
    public let pathParameters: PathParameters
    private let receiveEvent: Receive
    private let sendEvent: Send
    private let state = Mutex(State())

    struct State {
        var connected = false
        var accepted = false
        var answered = false
        var closeCode: Int?
        var closeReason = ""
    }

    init(scope: Scope, pathParameters: PathParameters, receive: @escaping Receive, send: @escaping Send) {
        self.scope = scope
        self.pathParameters = pathParameters
        self.receiveEvent = receive
        self.sendEvent = send
    }

    /// Percent-decoded path.
    public var path: String { scope.path }
    /// Request headers of the upgrade request.
    public var headers: Headers { scope.headers }
    /// The peer address, when the server knows it.
    public var client: Scope.Address? { scope.client }
    /// The subprotocols the client offered, in its order.
    public var subprotocols: [String] { scope.subprotocols }
    /// The query string, parsed (an invalid escape throws a 400).
    public var query: QueryParameters {
        get throws(HTTPError) { try QueryParameters(parsing: scope.queryString) }
    }
    /// Whether the handshake was accepted.
    public var isAccepted: Bool { state.withLock { $0.accepted } }
    /// Whether the handshake was answered (accepted or refused).
    var isAnswered: Bool { state.withLock { $0.answered } }
    /// The close code once the connection is closed (1005: the client gave none; 1006: dropped).
    public var closeCode: Int? { state.withLock { $0.closeCode } }
    /// The close reason the client gave.
    public var closeReason: String { state.withLock { $0.closeReason } }

    /// Completes the handshake. `subprotocol` must be one of ``subprotocols``.
    public func accept(subprotocol: String? = nil, headers: Headers = Headers()) async throws {
        try await awaitConnect()
        state.withLock { $0.answered = true }
        try await sendEvent(.websocketAccept(subprotocol: subprotocol, headers: headers))
        state.withLock { $0.accepted = true }
    }

    /// Refuses the handshake with an HTTP response (the ASGI denial-response extension), e.g.
    /// `try await ws.deny(.text("Service Unavailable", status: 503))`. A streamed body is sent
    /// chunk by chunk.
    public func deny(_ response: Response) async throws {
        try await awaitConnect()
        state.withLock { $0.answered = true }
        try await sendEvent(.websocketHTTPResponseStart(status: response.status, headers: response.headers))
        switch response.body {
        case .bytes(let bytes):
            try await sendEvent(.websocketHTTPResponseBody(bytes, moreBody: false))
        case .stream(let source):
            let next = source.open()
            while let chunk = try await next() {
                if !chunk.isEmpty { try await sendEvent(.websocketHTTPResponseBody(chunk, moreBody: true)) }
            }
            try await sendEvent(.websocketHTTPResponseBody([], moreBody: false))
        }
    }

    /// The next message, nil once the connection is closed (then ``closeCode`` is set).
    public func receive() async throws -> WebSocketMessage? {
        if !isAccepted { try await accept() }
        if closeCode != nil { return nil }
        switch try await receiveEvent() {
        case .websocketReceive(let message):
            return message
        case .websocketDisconnect(let code, let reason):
            state.withLock {
                $0.closeCode = code; $0.closeReason = reason
            }
            return nil
        default:
            return nil
        }
    }

    /// The messages until the connection closes: `for try await message in ws.messages`.
    public var messages: Messages { Messages(socket: self) }

    public func send(text: String) async throws {
        try await sendEvent(.websocketSend(.text(text)))
    }

    public func send(bytes: [UInt8]) async throws {
        try await sendEvent(.websocketSend(.bytes(bytes)))
    }

    /// `value` as JSON in a text message.
    public func send<T: Encodable>(json value: T) async throws {
        try await sendEvent(.websocketSend(.text(String(decoding: try JSON.encode(value), as: UTF8.self))))
    }

    /// Starts the closing handshake (before ``accept(subprotocol:headers:)``: refuses it with 403).
    public func close(code: Int = 1000, reason: String = "") async throws {
        try await awaitConnect()
        state.withLock { $0.answered = true }
        try await sendEvent(.websocketClose(code: code, reason: reason))
    }

    /// Reads `websocket.connect` once, before the first answer.
    private func awaitConnect() async throws {
        let connected = state.withLock { state in
            defer { state.connected = true }
            return state.connected
        }
        guard !connected else { return }
        let event = try await receiveEvent()
        guard case .websocketConnect = event else {
            if case .websocketDisconnect(let code, let reason) = event {
                state.withLock {
                    $0.closeCode = code; $0.closeReason = reason
                }
            }
            throw ASGIError.disconnected()
        }
    }

    /// The messages of a ``WebSocket`` as an async sequence.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = WebSocketMessage
        let socket: WebSocket

        public struct AsyncIterator: AsyncIteratorProtocol {
            let socket: WebSocket
            public mutating func next() async throws -> WebSocketMessage? { try await socket.receive() }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(socket: socket) }
    }
}
