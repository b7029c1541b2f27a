public import ASGI

/// An error that is an HTTP answer: throw it from a handler (or a middleware) and the client gets
/// `status` with `message` as a plain-text body.
///
/// ```swift
/// router.get("/users/:id") { request in
///     guard let user = users[try request.pathParameters.require("id")] else {
///         throw HTTPError(404, "no such user")
///     }
///     return .text(user.name)
/// }
/// ```
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The response status, e.g. 400.
    public var status: Int
    /// The response body (plain text).
    public var message: String
    /// Extra response headers (e.g. `allow` on a 405).
    public var headers: Headers

    /// An error answered with `status`; the body is `message`, or the status' reason phrase
    /// ("HTTP 599" for a code without one).
    public init(_ status: Int, _ message: String? = nil, headers: Headers = Headers()) {
        self.status = status
        self.message = message ?? Self.reasonPhrase(status)
        self.headers = headers
    }

    private static func reasonPhrase(_ status: Int) -> String {
        guard let phrase = ReasonPhrase.of(status) else { return "HTTP \(status)" }
        return phrase.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }

    public var description: String { "HTTPError(\(status), \(message))" }
}
