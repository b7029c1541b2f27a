/// A route handler: runs on the event loop's thread, may `await` (timers, Redis, the body).
public typealias Handler = @Sendable (Request) async throws -> Response

/// A handler that blocks (sleeps, does file I/O or heavy CPU work), registered through
/// ``RouteBuilder/blocking``: it runs on the router's thread pool, never on the loop. The request
/// body is collected before it runs (``Request/bufferedBody``).
public typealias BlockingHandler = @Sendable (Request) throws -> Response

/// Router-level middleware: runs around the handlers it applies to, sees the ``Request`` and the
/// ``Response`` (or the error). Call `next` to go on, or answer without it.
///
/// ```swift
/// router.use { request, next in
///     var response = try await next(request)
///     response.headers.append(name: "x-powered-by", value: "ASGIKit")
///     return response
/// }
/// ```
public typealias RouterMiddleware = @Sendable (Request, _ next: @escaping Handler) async throws -> Response

enum MiddlewareChain {
    /// `middlewares[0]` outermost, `handler` innermost.
    static func compose(_ middlewares: [RouterMiddleware], _ handler: @escaping Handler) -> Handler {
        // A loop, not `reduce`: through a generic function the handler came back wrapped in two
        // reabstraction thunks, two more async frames and a task switch on every call.
        var composed = handler
        for middleware in middlewares.reversed() {
            let next = composed
            composed = { request in try await middleware(request, next) }
        }
        return composed
    }
}
