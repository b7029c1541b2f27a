import FoundationEssentials

/// The JSON coding behind ``Response/json(_:status:headers:)`` and ``Request/json(as:)``.
///
/// Encoding uses ASGIKit's own `Encoder` (measured several times faster than Foundation's
/// `JSONEncoder` on Linux for response-sized values); decoding uses FoundationEssentials'
/// `JSONDecoder` (full JSON grammar, precise errors; request bodies are not the hot path).
public enum JSON {
    /// Compact UTF-8 JSON for `value`, keys in encoding order.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONTreeEncoder()
        let node = try encoder.encodeNested(value, key: nil)
        var writer = JSONWriter()
        try writer.write(node)
        return writer.bytes
    }

    /// Decodes `type` from UTF-8 JSON; throws Foundation's `DecodingError` on bad input.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}
