public import ASGI

/// ASGI middleware: wraps any ``Application`` (a ``Router``'s or a hand-written one) in another.
///
/// ```swift
/// let cors = CORS(allowedOrigins: ["https://example.com"])
/// let app = MiddlewareStack.chain(RequestID.middleware(), cors.middleware, around: router.application)
/// ```
public typealias Middleware = @Sendable (@escaping Application) -> Application

/// Helpers for ASGI middleware.
public enum MiddlewareStack {
    /// `middlewares[0]` outermost: it sees the request first and the response last.
    public static func chain(_ middlewares: Middleware..., around app: @escaping Application) -> Application {
        middlewares.reversed().reduce(app) { inner, wrap in wrap(inner) }
    }
}
