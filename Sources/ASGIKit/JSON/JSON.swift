import FoundationEssentials

/// The JSON coding behind ``Response/json(_:status:headers:)`` and ``Request/json(as:)``.
///
/// Encoding uses ASGIKit's own `Encoder`, which writes bytes as the value encodes itself
/// (measured several times faster than Foundation's `JSONEncoder` on Linux); decoding uses
/// FoundationEssentials' `JSONDecoder` (full JSON grammar, precise errors; request bodies are not
/// the hot path). Output is compact, keys in encoding order, `/` not escaped; `Data` and `URL`
/// use their own `Codable` conformance rather than Foundation's base64 / string special cases.
public enum JSON {
    /// Compact UTF-8 JSON for `value`, keys in encoding order.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let stream = JSONStreamEncoder()
        do {
            try stream.encodeValue(value)
            if !stream.failed { return stream.bytes }
        } catch {
            if !stream.failed { throw error }
        }
        // Containers used out of order (or superEncoder): encode again through a tree.
        return try encodeThroughTree(value)
    }

    static func encodeThroughTree<T: Encodable>(_ value: T) throws -> [UInt8] {
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
