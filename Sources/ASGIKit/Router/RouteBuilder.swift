/// What ``Router`` and ``RouteGroup`` share: registering routes, groups and middleware.
public protocol RouteBuilder: Sendable {
    /// Registers `handler` for `method` (upper case) and `path` (`/users/:id`, `/files/*`).
    func on(_ method: String, _ path: String, _ handler: @escaping Handler)
    /// Registers a handler that runs on the blocking thread pool.
    func on(_ method: String, _ path: String, blocking handler: @escaping BlockingHandler)
    /// Adds router-level middleware (see ``RouterMiddleware``).
    func use(_ middleware: @escaping RouterMiddleware)
    /// A group of routes under `prefix`, with middleware of its own.
    func group(_ prefix: String) -> RouteGroup
}

extension RouteBuilder {
    public func get(_ path: String, _ handler: @escaping Handler) { on("GET", path, handler) }
    public func post(_ path: String, _ handler: @escaping Handler) { on("POST", path, handler) }
    public func put(_ path: String, _ handler: @escaping Handler) { on("PUT", path, handler) }
    public func patch(_ path: String, _ handler: @escaping Handler) { on("PATCH", path, handler) }
    public func delete(_ path: String, _ handler: @escaping Handler) { on("DELETE", path, handler) }
    public func head(_ path: String, _ handler: @escaping Handler) { on("HEAD", path, handler) }
    public func options(_ path: String, _ handler: @escaping Handler) { on("OPTIONS", path, handler) }

    public func get(_ path: String, blocking handler: @escaping BlockingHandler) { on("GET", path, blocking: handler) }
    public func post(_ path: String, blocking handler: @escaping BlockingHandler) { on("POST", path, blocking: handler) }
    public func put(_ path: String, blocking handler: @escaping BlockingHandler) { on("PUT", path, blocking: handler) }
    public func patch(_ path: String, blocking handler: @escaping BlockingHandler) { on("PATCH", path, blocking: handler) }
    public func delete(_ path: String, blocking handler: @escaping BlockingHandler) { on("DELETE", path, blocking: handler) }

    /// Builds a group in a closure: `router.group("/api") { api in api.get("/x") { ... } }`.
    public func group(_ prefix: String, _ build: (RouteGroup) -> Void) {
        build(group(prefix))
    }
}
