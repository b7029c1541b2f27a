import ASGI

/// Cross-origin resource sharing as ASGI middleware: answers preflight requests itself and adds
/// `access-control-allow-origin` (and friends) to responses for allowed origins. Requests from
/// other origins pass through untouched (the browser then refuses the response); a preflight
/// from them gets a 403.
///
/// ```swift
/// var cors = CORS(allowedOrigins: ["https://app.example.com"])
/// cors.allowCredentials = true
/// let app = cors.middleware(router.application)
/// ```
public struct CORS: Sendable {
    public enum Origins: Sendable {
        case any
        case list([String])
    }

    public var allowedOrigins: Origins
    public var allowedMethods: [String] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    /// Request headers a preflight may ask for; empty allows whatever it asks for.
    public var allowedHeaders: [String] = []
    /// Response headers the browser lets scripts read.
    public var exposedHeaders: [String] = []
    /// `access-control-allow-credentials: true` (the origin is then echoed, never `*`).
    public var allowCredentials = false
    /// How long a browser may cache a preflight answer, in seconds.
    public var maxAge: Int? = 600

    /// Allows the listed origins (`https://host[:port]`, compared case-insensitively).
    public init(allowedOrigins: [String]) {
        self.allowedOrigins = .list(allowedOrigins.map { $0.lowercased() })
    }

    /// Allows every origin.
    public init(allowingAnyOrigin: ()) {
        self.allowedOrigins = .any
    }

    /// The middleware.
    public var middleware: Middleware {
        let cors = self
        return { app in
            { scope, receive, send in
                guard scope.type == .http, let origin = scope.headers["origin"] else {
                    try await app(scope, receive, send)
                    return
                }
                let allowed = cors.allows(origin)
                if scope.method == "OPTIONS", let requested = scope.headers["access-control-request-method"] {
                    try await cors.preflight(origin: origin, allowed: allowed, method: requested, scope: scope, send: send)
                    return
                }
                guard allowed else {
                    try await app(scope, receive, send)
                    return
                }
                try await app(scope, receive) { event in
                    guard case .responseStart(let status, var headers, let trailers) = event else {
                        try await send(event)
                        return
                    }
                    cors.addOriginHeaders(to: &headers, origin: origin)
                    if !cors.exposedHeaders.isEmpty {
                        headers.append(name: "access-control-expose-headers", value: cors.exposedHeaders.joined(separator: ", "))
                    }
                    try await send(.responseStart(status: status, headers: headers, trailers: trailers))
                }
            }
        }
    }

    func allows(_ origin: String) -> Bool {
        switch allowedOrigins {
        case .any: true
        case .list(let origins): origins.contains(origin.lowercased())
        }
    }

    private func preflight(origin: String, allowed: Bool, method: String, scope: Scope, send: Send) async throws {
        guard allowed, allowedMethods.contains(method.uppercased()) else {
            try await Response.text("Disallowed CORS request", status: 403).send(to: send)
            return
        }
        var headers = Headers()
        addOriginHeaders(to: &headers, origin: origin)
        headers.append(name: "access-control-allow-methods", value: allowedMethods.joined(separator: ", "))
        if allowedHeaders.isEmpty {
            if let requested = scope.headers["access-control-request-headers"] {
                headers.append(name: "access-control-allow-headers", value: requested)
            }
        } else {
            headers.append(name: "access-control-allow-headers", value: allowedHeaders.joined(separator: ", "))
        }
        if let maxAge { headers.append(name: "access-control-max-age", value: String(maxAge)) }
        try await Response(status: 204, headers: headers).send(to: send)
    }

    private func addOriginHeaders(to headers: inout Headers, origin: String) {
        if case .any = allowedOrigins, !allowCredentials {
            headers.append(name: "access-control-allow-origin", value: "*")
        } else {
            headers.append(name: "access-control-allow-origin", value: origin)
            headers.append(name: "vary", value: "origin")
        }
        if allowCredentials { headers.append(name: "access-control-allow-credentials", value: "true") }
    }
}
