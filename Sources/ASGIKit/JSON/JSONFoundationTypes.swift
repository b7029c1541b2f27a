import FoundationEssentials

/// The values Foundation's `JSONEncoder` writes its own way instead of through their `Codable`
/// conformance (with its default strategies): `Data` as a base64 string, `URL` as its absolute
/// string, `Decimal` as a plain number. Both encoders of ``JSON`` ask this first, so their output
/// matches `JSONEncoder`'s. `Date` needs nothing: Foundation's default writes it through its
/// `Codable` conformance (seconds since 2001 as a number).
enum JSONFoundationValue {
    /// A JSON string, to be quoted and escaped.
    case string(String)
    /// A JSON number, written as it is.
    case number(String)

    /// The special form of `value`, nil for every other type. A type comparison, no dynamic cast,
    /// for the values that are none of these.
    @inline(__always)
    static func of<T: Encodable>(_ value: T) -> JSONFoundationValue? {
        if T.self == Data.self, let data = value as? Data { return .string(data.base64EncodedString()) }
        if T.self == URL.self, let url = value as? URL { return .string(url.absoluteString) }
        if T.self == Decimal.self, let decimal = value as? Decimal { return .number(decimal.description) }
        return nil
    }
}

extension BinaryFloatingPoint where Self: LosslessStringConvertible {
    /// Appends the number as Foundation's `JSONEncoder` writes it: Swift's shortest
    /// round-tripping form without a trailing `.0` (`1`, `-0`, `2.5`, `1e+20`). Finite values
    /// only. The `.0` comes off the bytes: taking it off the String measured ~450 instructions
    /// more per number.
    func appendJSON(to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: description.utf8)
        let end = bytes.count
        if end - start >= 2, bytes[end - 1] == UInt8(ascii: "0"), bytes[end - 2] == UInt8(ascii: ".") {
            bytes.removeLast(2)
        }
    }
}
