public import ASGI
import Synchronization

/// Routes requests by method and path to handlers, and is itself an ASGI ``Application``
/// (``application``), so it plugs into the server and into any ASGI middleware.
///
/// ```swift
/// let router = Router()
/// router.get("/") { _ in .text("Hello, ASGI!") }
/// router.get("/users/:id") { request in .text(try request.pathParameters.require("id")) }
/// router.post("/echo") { request in .stream(request.bodyStream) }
/// router.blocking.get("/report") { _ in .text(slowReport()) }   // on the thread pool
/// router.group("/api") { api in api.get("/status") { _ in try .json(["ok": true]) } }
/// router.use(AccessLog.middleware())
/// try server.run(RequestID.middleware(router.application))
/// ```
///
/// Register routes and middleware first, then take ``application``: that freezes the routes
/// into a read-only table (registering afterwards traps). Unknown paths answer 404, known paths
/// with another method 405 with `allow`; GET routes also answer HEAD.
public final class Router: Sendable, RouteBuilder {
    struct Definition: Sendable {
        let method: String
        let path: String
        let kind: RouteHandler
        let group: Int
    }

    struct Group: Sendable {
        let parent: Int?
        var middlewares: [RouterMiddleware] = []
    }

    struct State: Sendable {
        var definitions: [Definition] = []
        /// Index 0 is the router itself; its middleware also wraps the 404/405 answers.
        var groups: [Group] = [Group(parent: nil)]
        var startup: [@Sendable (ScopeState) async throws -> Void] = []
        var shutdown: [@Sendable (ScopeState) async throws -> Void] = []
        var mounts: [Mount] = []
        var server: RouterServer?
    }

    /// An ASGI application serving every path under `prefix`.
    struct Mount: Sendable {
        let prefix: [UInt8]
        let app: Application
    }

    public let configuration: RouterConfiguration
    let state = Mutex(State())

    public init(configuration: RouterConfiguration = RouterConfiguration()) {
        self.configuration = configuration
    }

    // MARK: - RouteBuilder

    public func add(_ method: String, _ path: String, _ handler: RouteHandler) {
        add(Definition(method: method, path: path, kind: handler, group: 0))
    }

    /// Adds middleware around every route of the router (registered before or after this call)
    /// and around its 404/405 answers. The first added runs first.
    public func use(_ middleware: @escaping RouterMiddleware) {
        addMiddleware(middleware, group: 0)
    }

    public func group(_ prefix: String) -> RouteGroup {
        RouteGroup(router: self, prefix: prefix, index: addGroup(parent: 0))
    }

    /// Hands every HTTP request whose path is `prefix` or starts with `prefix/` to `app`, with
    /// `root_path` set to `prefix` (the path stays whole, as the server gives it). Mounts are
    /// matched before routes, the longest prefix first, on the raw path as it came; the router's
    /// middleware does not wrap them (wrap ``application`` in ASGI middleware for that).
    public func mount(_ prefix: String, _ app: @escaping Application) {
        var bytes = Array(prefix.utf8)
        while bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        precondition(bytes.first == UInt8(ascii: "/"), "Router.mount: the prefix must start with /")
        mutate { $0.mounts.append(Mount(prefix: bytes, app: app)) }
    }

    /// Serves the files of `files` under `prefix`: `router.mount("/static", try StaticFiles(directory: "public"))`.
    public func mount(_ prefix: String, _ files: StaticFiles) {
        mount(prefix, files.application)
    }

    /// Runs `hook` when the server starts (ASGI lifespan), before it accepts connections; a
    /// throwing hook makes the server exit.
    public func onStartup(_ hook: @escaping @Sendable (ScopeState) async throws -> Void) {
        mutate { $0.startup.append(hook) }
    }

    /// Runs `hook` when the server shuts down (ASGI lifespan), after the last request.
    public func onShutdown(_ hook: @escaping @Sendable (ScopeState) async throws -> Void) {
        mutate { $0.shutdown.append(hook) }
    }

    // MARK: - Serving

    /// The router as an ASGI application. The first use freezes the routes.
    public var application: Application {
        // The method itself, not a closure that calls it: one async frame less per request.
        frozen().serve
    }

    /// Serves one ASGI call (same as ``application``).
    public func callAsFunction(_ scope: Scope, _ receive: @escaping Receive, _ send: @escaping Send) async throws {
        try await frozen().serve(scope, receive, send)
    }

    func frozen() -> RouterServer {
        state.withLock { state in
            if let server = state.server { return server }
            let server = RouterServer(state: state, configuration: configuration)
            state.server = server
            return server
        }
    }

    // MARK: - Registration internals

    func add(_ definition: Definition) {
        mutate { $0.definitions.append(definition) }
    }

    func addMiddleware(_ middleware: @escaping RouterMiddleware, group: Int) {
        mutate { $0.groups[group].middlewares.append(middleware) }
    }

    func addGroup(parent: Int) -> Int {
        mutate { state in
            state.groups.append(Group(parent: parent))
            return state.groups.count - 1
        }
    }

    private func mutate<T>(_ body: (inout State) -> T) -> T {
        state.withLock { state in
            precondition(state.server == nil, "Router: routes and middleware must be added before `application` is used")
            return body(&state)
        }
    }
}
