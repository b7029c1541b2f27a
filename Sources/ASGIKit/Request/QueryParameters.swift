import ASGI

/// The query string's `name=value` pairs, percent-decoded (`+` is a space), in order, repeated
/// names kept. A pair without `=` has an empty value; empty pairs (`a=1&&b=2`) are skipped.
///
/// ```swift
/// // GET /search?tag=a&tag=b&q=hello+world
/// let query = try request.query
/// query["q"]            // "hello world"
/// query.values("tag")   // ["a", "b"]
/// ```
public struct QueryParameters: Sendable, RandomAccessCollection {
    public typealias Element = (name: String, value: String)

    private let pairs: [Element]

    public init(_ pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// Parses a raw query string; an invalid percent escape is a 400.
    public init(parsing raw: [UInt8]) throws(HTTPError) {
        var pairs: [Element] = []
        var start = raw.startIndex
        while start < raw.endIndex {
            let end = raw[start...].firstIndex(of: UInt8(ascii: "&")) ?? raw.endIndex
            if end > start {
                let piece = raw[start..<end]
                let equals = piece.firstIndex(of: UInt8(ascii: "="))
                let rawName = piece[..<(equals ?? end)]
                let rawValue = equals.map { piece[($0 + 1)...] } ?? []
                guard let name = PercentDecoding.decode(rawName, plusAsSpace: true, badEscape: .fail),
                    let value = PercentDecoding.decode(rawValue, plusAsSpace: true, badEscape: .fail)
                else { throw HTTPError(400, "Invalid percent-encoding in the query string") }
                pairs.append((name, value))
            }
            start = end + 1
        }
        self.pairs = pairs
    }

    public var startIndex: Int { pairs.startIndex }
    public var endIndex: Int { pairs.endIndex }
    public subscript(position: Int) -> Element { pairs[position] }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        pairs.compactMap { $0.name == name ? $0.value : nil }
    }

    /// Whether `name` appears (even with an empty value).
    public func contains(_ name: String) -> Bool { pairs.contains { $0.name == name } }

    /// The first value of `name` converted to `T`: nil when absent, a 400 when not convertible.
    public func get<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws(HTTPError) -> T? {
        guard let text = self[name] else { return nil }
        guard let value = T(text) else { throw HTTPError(400, "Invalid value for query parameter '\(name)'") }
        return value
    }

    /// The first value of `name`, or a 400 when it is absent.
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = self[name] else { throw HTTPError(400, "Missing query parameter '\(name)'") }
        return value
    }
}
