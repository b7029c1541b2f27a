public import ASGI

/// One HTTP request as a handler sees it: the ASGI scope, the matched path parameters, the query,
/// and the body (read on demand from ASGI `receive`).
///
/// ```swift
/// router.post("/users/:id") { request in
///     let id = try request.pathParameters.require("id")
///     let update = try await request.json(as: UserUpdate.self)   // 400 on bad JSON, 413 past the limit
///     return try .json(save(id, update))
/// }
/// ```
public struct Request: Sendable {
    /// The ASGI scope the server built.
    public var scope: Scope
    /// Values of the route's `:name` segments and trailing `*`.
    public var pathParameters: PathParameters
    let context: RequestContext

    init(scope: Scope, pathParameters: PathParameters, context: RequestContext) {
        self.scope = scope
        self.pathParameters = pathParameters
        self.context = context
    }

    /// Upper-case method, e.g. `"GET"`.
    public var method: String { scope.method }
    /// Percent-decoded path, without the query string.
    public var path: String { scope.path }
    /// Request headers in wire order; `headers["Content-Type"]` looks up case-insensitively.
    public var headers: Headers {
        get { scope.headers }
        set { scope.headers = newValue }
    }
    /// The peer address, when the server knows it.
    public var client: Scope.Address? { scope.client }

    /// The query string parsed on first use (and kept): percent-decoded, `+` as space, repeated
    /// names kept. An invalid percent escape throws a 400.
    public var query: QueryParameters {
        get throws(HTTPError) {
            if let cached = context.cachedQuery() { return cached }
            let parsed = try QueryParameters(parsing: scope.queryString)
            context.cacheQuery(parsed)
            return parsed
        }
    }

    /// The body limit in force for ``body(maxBytes:)`` when no limit is passed (the router's).
    public var defaultMaxBodyBytes: Int { context.maxBodyBytes }
}
