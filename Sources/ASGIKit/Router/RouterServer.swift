import ASGI
import Logging

/// A frozen ``Router``: the route table with every handler already wrapped in its middleware,
/// and the ASGI entry point. Read-only, so any number of loops may share it.
final class RouterServer: Sendable {
    let table: RouteTable
    /// WebSocket routes, matched as GET.
    let webSocketTable: RouteTable
    let configuration: RouterConfiguration
    /// The router's own middleware, for the 404/405 answers.
    private let rootMiddlewares: [RouterMiddleware]
    private let notFound: Handler
    let blockingPool: BlockingPool?
    /// Mounted applications, the longest prefix first.
    private let mounts: [Router.Mount]
    let startup: [@Sendable (ScopeState) async throws -> Void]
    let shutdown: [@Sendable (ScopeState) async throws -> Void]

    init(state: Router.State, configuration: RouterConfiguration) {
        self.configuration = configuration
        let needsPool = state.definitions.contains { if case .blocking = $0.kind { true } else { false } }
        let pool =
            needsPool
            ? BlockingPool(threads: configuration.blockingThreads, maxQueued: configuration.blockingQueue) : nil
        blockingPool = pool

        let root = RouteNode()
        var staticPaths: [PathKey: RouteNode] = [:]
        let webSocketRoot = RouteNode()
        var webSocketStaticPaths: [PathKey: RouteNode] = [:]
        for definition in state.definitions {
            let pattern = RoutePattern(definition.path)
            let handler: Handler
            switch definition.kind {
            case .websocket(let body):
                let node = webSocketRoot.descend(pattern)
                node.add(
                    RouteNode.Route(
                        method: "GET", pattern: pattern.description, parameterNames: pattern.parameterNames,
                        handler: { _ in throw HTTPError(404) }, webSocket: body))
                if let path = pattern.staticPath { webSocketStaticPaths[PathKey(path)] = node }
                continue
            case .async(let body):
                handler = body
            case .blocking(let body):
                handler = { request in
                    _ = try await request.body()
                    do {
                        return try await pool!.run { try body(request) }
                    } catch is BlockingPoolFull {
                        throw HTTPError(503, "Service Unavailable: too many blocking requests waiting")
                    }
                }
            }
            let middlewares = Self.middlewares(of: definition.group, in: state.groups)
            let node = root.descend(pattern)
            node.add(
                RouteNode.Route(
                    method: definition.method, pattern: pattern.description,
                    parameterNames: pattern.parameterNames,
                    handler: MiddlewareChain.compose(middlewares, handler)))
            if let path = pattern.staticPath { staticPaths[PathKey(path)] = node }
        }
        table = RouteTable(root: root, staticPaths: staticPaths)
        webSocketTable = RouteTable(root: webSocketRoot, staticPaths: webSocketStaticPaths)
        rootMiddlewares = state.groups[0].middlewares
        notFound = MiddlewareChain.compose(rootMiddlewares) { _ in throw HTTPError(404) }
        mounts = state.mounts.sorted { $0.prefix.count > $1.prefix.count }
        startup = state.startup
        shutdown = state.shutdown
    }

    /// The middleware of `group` and its parents, outermost first.
    private static func middlewares(of group: Int, in groups: [Router.Group]) -> [RouterMiddleware] {
        var chain: [[RouterMiddleware]] = []
        var current: Int? = group
        while let index = current {
            chain.append(groups[index].middlewares)
            current = groups[index].parent
        }
        return chain.reversed().flatMap { $0 }
    }

    // MARK: - Serving

    /// ASGI entry point. The request context keeps `receive` only until this call returns: a
    /// request kept alive past that by a stray task reads `http.disconnect` (and a body read fails)
    /// instead of the connection.
    func serve(_ scope: Scope, _ receive: @escaping Receive, _ send: @escaping Send) async throws {
        switch scope.type {
        case .http: break
        case .websocket:
            try await serveWebSocket(scope, receive, send)
            return
        case .lifespan:
            try await lifespan(scope, receive, send)
            return
        }
        let rawPath = scope.rawPath.isEmpty ? Array(scope.path.utf8) : scope.rawPath
        if !mounts.isEmpty, let mount = mounts.first(where: { Self.isUnder(rawPath, $0.prefix) }) {
            var inner = scope
            inner.rootPath = String(decoding: mount.prefix, as: UTF8.self)
            try await mount.app(inner, receive, send)
            return
        }
        let handler: Handler
        var parameters = PathParameters()
        switch table.match(method: scope.method, rawPath: rawPath) {
        case .found(let route, let values):
            handler = route.handler
            parameters = values
        case .notFound:
            handler = notFound
        case .methodNotAllowed(let allow):
            let header: Headers = [("allow", allow.joined(separator: ", "))]
            handler = MiddlewareChain.compose(rootMiddlewares) { _ in throw HTTPError(405, headers: header) }
        }
        let context = RequestContext(receive: receive, maxBodyBytes: configuration.maxBodyBytes)
        defer { context.detach() }
        let request = Request(scope: scope, pathParameters: parameters, context: context)
        let response: Response
        do {
            response = try await handler(request)
            await afterClosureCall()
        } catch {
            response = errorResponse(error, request)
        }
        if case .bytes = response.body {
            // Nothing can fail before the start: no fallback closure holding the request.
            try await response.send(to: send)
        } else {
            try await response.send(to: send) { self.errorResponse($0, request) }
        }
    }

    /// Whether `path` is `prefix` or lies below it (`prefix/…`).
    private static func isUnder(_ path: [UInt8], _ prefix: [UInt8]) -> Bool {
        guard path.count >= prefix.count, path.starts(with: prefix) else { return false }
        return path.count == prefix.count || path[prefix.count] == UInt8(ascii: "/")
    }

    /// The answer for an error a handler threw: an ``HTTPError`` as it says, anything else a 500
    /// that is logged (with the request line) instead of being shown to the client.
    func errorResponse(_ error: any Error, _ request: Request) -> Response {
        if !(error is HTTPError) {
            let level: Logger.Level = (error as? ASGIError)?.isDisconnected == true ? .debug : .error
            configuration.logger.log(
                level: level, "Unhandled error in handler",
                metadata: ["method": "\(request.method)", "path": "\(request.path)", "error": "\(error)"])
        }
        return Response(error: error)
    }

    /// ASGI lifespan: runs the startup hooks, reports, waits for shutdown, runs those hooks.
    private func lifespan(_ scope: Scope, _ receive: @escaping Receive, _ send: @escaping Send) async throws {
        while true {
            switch try await receive() {
            case .lifespanStartup:
                do {
                    for hook in startup { try await hook(scope.state) }
                } catch {
                    try await send(.lifespanStartupFailed(message: "\(error)"))
                    return
                }
                try await send(.lifespanStartupComplete)
            case .lifespanShutdown:
                do {
                    for hook in shutdown { try await hook(scope.state) }
                } catch {
                    try await send(.lifespanShutdownFailed(message: "\(error)"))
                    return
                }
                try await send(.lifespanShutdownComplete)
                return
            default:
                return
            }
        }
    }
}
