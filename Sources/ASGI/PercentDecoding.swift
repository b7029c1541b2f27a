/// `%XX` decoding (RFC 3986 §2.1), the one decoder of the package: the server's `scope.path`
/// (HTTP1), and the framework's route segments, static-file segments and query strings (ASGIKit).
///
/// The callers differ in two ways, both parameters here:
/// - `plusAsSpace`: `+` is a space in `application/x-www-form-urlencoded` query strings, and
///   itself everywhere else.
/// - ``BadEscape``: a `%` without two hex digits after it either fails the whole decode (a query
///   or a file name the framework must refuse) or stays as it came (the server's `scope.path`,
///   like Python's `urllib.parse.unquote`, which uvicorn uses).
///
/// Decoding yields bytes. As text, bytes that are not UTF-8 become U+FFFD, each maximal invalid
/// sequence once: an overlong form (`%C0%AF` for `/`) is never read as the character it spells.
///
/// ```swift
/// PercentDecoding.decode(Array("a%2Fb+c".utf8), plusAsSpace: true, badEscape: .fail)  // "a/b c"
/// PercentDecoding.decode(Array("%zz".utf8), badEscape: .fail)                         // nil
/// PercentDecoding.decode(Array("%zz".utf8), badEscape: .keep)                         // "%zz"
/// ```
package enum PercentDecoding {
    /// What a `%` not followed by two hex digits does.
    package enum BadEscape: Sendable {
        /// The decode fails: the result is nil.
        case fail
        /// The `%` and what follows are kept literally.
        case keep
    }

    /// Whether `bytes` hold anything to decode: a `%`, or a `+` when `plusAsSpace`.
    @inlinable
    package static func needsDecoding<Bytes: Sequence<UInt8>>(_ bytes: Bytes, plusAsSpace: Bool = false) -> Bool {
        bytes.contains { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }
    }

    /// The decoded bytes; nil for a bad escape when `badEscape` is ``BadEscape/fail``.
    @inlinable
    package static func decodeBytes<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, plusAsSpace: Bool = false, badEscape: BadEscape
    ) -> [UInt8]? {
        var failed = false
        let out = [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            guard let written = decode(bytes, into: buffer, plusAsSpace: plusAsSpace, badEscape: badEscape) else {
                failed = true
                count = 0
                return
            }
            count = written
        }
        return failed ? nil : out
    }

    /// The decoded bytes as text, invalid UTF-8 replaced by U+FFFD; nil for a bad escape when
    /// `badEscape` is ``BadEscape/fail``. Nothing to decode costs one scan and the String.
    @inlinable
    package static func decode<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, plusAsSpace: Bool = false, badEscape: BadEscape
    ) -> String? {
        guard needsDecoding(bytes, plusAsSpace: plusAsSpace) else { return String(decoding: bytes, as: UTF8.self) }
        var failed = false
        // Written straight into the String's storage, which repairs invalid UTF-8 as it checks it.
        let text = String(unsafeUninitializedCapacity: bytes.count) { buffer in
            guard let count = decode(bytes, into: buffer, plusAsSpace: plusAsSpace, badEscape: badEscape) else {
                failed = true
                return 0
            }
            return count
        }
        return failed ? nil : text
    }

    /// Decodes `bytes` into `out` (at least `bytes.count` long); the count written, or nil for a
    /// bad escape when `badEscape` is ``BadEscape/fail``.
    @inlinable
    static func decode<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, into out: UnsafeMutableBufferPointer<UInt8>, plusAsSpace: Bool, badEscape: BadEscape
    ) -> Int? {
        var count = 0
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let byte = bytes[i]
            i = bytes.index(after: i)
            if byte == UInt8(ascii: "%"), i != bytes.endIndex, let high = hexValue(bytes[i]) {
                let second = bytes.index(after: i)
                if second != bytes.endIndex, let low = hexValue(bytes[second]) {
                    out[count] = high << 4 | low
                    count += 1
                    i = bytes.index(after: second)
                    continue
                }
            }
            if byte == UInt8(ascii: "%") && badEscape == .fail { return nil }
            out[count] = plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte
            count += 1
        }
        return count
    }

    /// The value of one hex digit, either case; nil for any other byte.
    @inlinable
    package static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
