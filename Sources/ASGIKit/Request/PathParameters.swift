/// Values captured by `:name` segments of a route pattern, and by its trailing `*`.
///
/// ```swift
/// router.get("/users/:id/files/*") { request in
///     let id = try request.pathParameters.require("id", as: Int.self)
///     return .text("user \(id), file \(request.pathParameters.catchAll ?? "")")
/// }
/// ```
public struct PathParameters: Sendable {
    private let names: [String]
    private let values: [String]

    public init() {
        names = []
        values = []
    }

    /// `names` in pattern order (`*` for the catch-all), `values` alike.
    public init(names: [String], values: [String]) {
        precondition(names.count == values.count, "PathParameters: one value per name")
        self.names = names
        self.values = values
    }

    /// The value of `:name`, percent-decoded.
    public subscript(name: String) -> String? {
        guard let index = names.firstIndex(of: name) else { return nil }
        return values[index]
    }

    /// What the trailing `*` matched (segments joined with `/`), nil when the route has none.
    public var catchAll: String? { self["*"] }

    /// The value of `:name`, or a 400 (a route without that parameter is a programmer error worth
    /// seeing in tests).
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = self[name] else { throw HTTPError(400, "Missing path parameter '\(name)'") }
        return value
    }

    /// The value of `:name` converted to `T`, or a 400.
    public func require<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws(HTTPError) -> T {
        guard let value = T(try require(name)) else {
            throw HTTPError(400, "Invalid value for path parameter '\(name)'")
        }
        return value
    }

    /// All pairs, in pattern order.
    public var all: [(name: String, value: String)] { Array(zip(names, values)) }

    var isEmpty: Bool { names.isEmpty }
}
