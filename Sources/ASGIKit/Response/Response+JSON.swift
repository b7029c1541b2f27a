public import ASGI

extension Response {
    /// `value` as JSON, `application/json`. Throws only for values JSON cannot hold (NaN, ±inf).
    ///
    /// ```swift
    /// struct Greeting: Encodable { let message: String }
    /// router.get("/json") { _ in try .json(Greeting(message: "Hello, JSON!")) }
    /// ```
    public static func json<T: Encodable>(_ value: T, status: Int = 200, headers: Headers? = nil) throws -> Response {
        Response(
            status: status, headers: headers.map { $0.adding(ContentType.json) } ?? ContentType.jsonHeaders,
            body: .bytes(try JSON.encode(value)))
    }
}
