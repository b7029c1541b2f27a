import FoundationEssentials

/// The JSON coding behind ``Response/json(_:status:headers:)`` and ``Request/json(as:)``.
///
/// Encoding uses ASGIKit's own `Encoder`, which writes bytes as the value encodes itself
/// (measured several times faster than Foundation's `JSONEncoder` on Linux); decoding uses
/// FoundationEssentials' `JSONDecoder` (full JSON grammar, precise errors; request bodies are not
/// the hot path).
///
/// The output is byte for byte that of `JSONEncoder` with `outputFormatting` set to
/// `.withoutEscapingSlashes` and the default strategies (compact; `1.0` written `1`; `Data` as
/// base64, `URL` as its absolute string, `Decimal` as a number; a non-finite number throws),
/// except for the order of keys: here always the order they were encoded in, where
/// `JSONEncoder` writes a keyed container in its dictionary's (random) order unless
/// `.sortedKeys` is set. A differential test checks this on generated values.
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
