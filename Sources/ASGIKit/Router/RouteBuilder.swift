/// What ``Router`` and ``RouteGroup`` share: registering routes, groups and middleware.
public protocol RouteBuilder: Sendable {
    /// Registers `handler` for `method` (upper case) and `path` (`/users/:id`, `/files/*`).
    func add(_ method: String, _ path: String, _ handler: RouteHandler)
    /// Adds router-level middleware (see ``RouterMiddleware``).
    func use(_ middleware: @escaping RouterMiddleware)
    /// A group of routes under `prefix`, with middleware of its own.
    func group(_ prefix: String) -> RouteGroup
}

/// A route's handler: async on the loop, or blocking on the thread pool.
public enum RouteHandler: Sendable {
    case async(Handler)
    case blocking(BlockingHandler)
    /// A WebSocket route (registered with ``RouteBuilder/websocket(_:_:)``).
    case websocket(WebSocketHandler)
}

extension RouteBuilder {
    public func on(_ method: String, _ path: String, _ handler: @escaping Handler) { add(method, path, .async(handler)) }
    public func get(_ path: String, _ handler: @escaping Handler) { on("GET", path, handler) }
    public func post(_ path: String, _ handler: @escaping Handler) { on("POST", path, handler) }
    public func put(_ path: String, _ handler: @escaping Handler) { on("PUT", path, handler) }
    public func patch(_ path: String, _ handler: @escaping Handler) { on("PATCH", path, handler) }
    public func delete(_ path: String, _ handler: @escaping Handler) { on("DELETE", path, handler) }
    public func head(_ path: String, _ handler: @escaping Handler) { on("HEAD", path, handler) }
    public func options(_ path: String, _ handler: @escaping Handler) { on("OPTIONS", path, handler) }

    /// A WebSocket route: `router.websocket("/ws/chat/:room") { ws in try await ws.accept(); ... }`.
    /// Router middleware (which sees HTTP requests and responses) does not apply to it; a
    /// WebSocket to an unknown path is refused with 404.
    public func websocket(_ path: String, _ handler: @escaping WebSocketHandler) {
        add(RouteNode.webSocketMethod, path, .websocket(handler))
    }

    /// Registration of handlers that block, run on the router's thread pool:
    /// `router.blocking.get("/report") { request in .text(buildReport()) }`.
    ///
    /// A separate namespace rather than a `blocking:` overload of `get`: with both overloads, a
    /// trailing closure that does not `await` would silently pick the blocking one.
    public var blocking: BlockingRoutes { BlockingRoutes(builder: self) }

    /// Builds a group in a closure: `router.group("/api") { api in api.get("/x") { ... } }`.
    public func group(_ prefix: String, _ build: (RouteGroup) -> Void) {
        build(group(prefix))
    }
}

/// Registers ``BlockingHandler``s (see ``RouteBuilder/blocking``). The request body is collected
/// on the loop (within the router's limit) before the handler runs on a pool thread.
///
/// ```swift
/// router.blocking.get("/blocking") { _ in
///     sleep(1)                       // WSGI-style: blocks a pool thread, never the loop
///     return .text("done")
/// }
/// ```
public struct BlockingRoutes: Sendable {
    let builder: any RouteBuilder

    public func on(_ method: String, _ path: String, _ handler: @escaping BlockingHandler) {
        builder.add(method, path, .blocking(handler))
    }
    public func get(_ path: String, _ handler: @escaping BlockingHandler) { on("GET", path, handler) }
    public func post(_ path: String, _ handler: @escaping BlockingHandler) { on("POST", path, handler) }
    public func put(_ path: String, _ handler: @escaping BlockingHandler) { on("PUT", path, handler) }
    public func patch(_ path: String, _ handler: @escaping BlockingHandler) { on("PATCH", path, handler) }
    public func delete(_ path: String, _ handler: @escaping BlockingHandler) { on("DELETE", path, handler) }
}
