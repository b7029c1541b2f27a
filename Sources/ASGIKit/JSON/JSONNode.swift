/// The tree ``JSONTreeEncoder`` builds: scalars by value, containers as shared boxes so that a
/// container handed out by an encoder can be filled after it was attached to its parent.
enum JSONNode {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    /// A number already in its JSON form (a `Decimal`).
    case number(String)
    case string(String)
    case array(JSONArrayBox)
    case object(JSONObjectBox)
    /// A `superEncoder()`: its value is whatever was encoded into it by the time we write.
    case deferred(JSONTreeEncoder)
}

final class JSONArrayBox {
    var items: [JSONNode] = []
}

final class JSONObjectBox {
    var keys: [String] = []
    var values: [JSONNode] = []

    func set(_ key: String, _ value: JSONNode) {
        keys.append(key)
        values.append(value)
    }
}
