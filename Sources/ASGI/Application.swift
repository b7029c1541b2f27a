/// Receives the next event of the connection: `http.request` chunks, then `http.disconnect`
/// (HTTP scopes), or `lifespan.startup` / `lifespan.shutdown` (lifespan scopes).
public typealias Receive = @Sendable () async throws -> ReceiveEvent

/// Sends an event to the server. It returns once the bytes are in the socket or queued under the
/// connection's high-water mark; it throws ``ASGIError`` when the client has gone (spec 2.4) or
/// the message breaks the protocol (a second `http.response.start`, a body longer than its
/// `content-length`, a header value with CR/LF/NUL...).
public typealias Send = @Sendable (SendEvent) async throws -> Void

/// An ASGI application: one call per HTTP request, one per WebSocket connection, and one call for
/// the lifespan scope.
///
/// `receive` and `send` may escape the call (a task the application starts may keep them): used
/// after the request is over, `receive` returns `http.disconnect` and `send` throws.
///
/// ```swift
/// let app: Application = { scope, receive, send in
///     try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
///     try await send(.responseBody(Array("Hello, ASGI!".utf8)))
/// }
/// ```
public typealias Application = @Sendable (Scope, @escaping Receive, @escaping Send) async throws -> Void

/// The ASGI protocol version this implementation follows.
public enum ASGIVersion {
    /// `scope["asgi"]["version"]`.
    public static let version = "3.0"
    /// `scope["asgi"]["spec_version"]` for HTTP scopes. 2.4: `send` after the client left throws.
    public static let httpSpecVersion = "2.4"
    /// `scope["asgi"]["spec_version"]` for WebSocket scopes. 2.5: `websocket.accept` may carry headers,
    /// `websocket.close` a reason, the denial response is available.
    public static let websocketSpecVersion = "2.5"
    /// `scope["asgi"]["spec_version"]` for lifespan scopes.
    public static let lifespanSpecVersion = "2.0"
}
