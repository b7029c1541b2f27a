/// The `authority` of RFC 3986 §3.2 as HTTP uses it (RFC 9110 §4.2, RFC 9112 §3.2): the value of
/// a `Host` field, and the authority of an absolute-form request target.
///
/// `host [":" port]` with `host` a registered name (unreserved, sub-delims and `%XX`), a dotted
/// IPv4 address (which the registered-name syntax already covers) or a bracketed IPv6 literal,
/// and `port` at most five digits no larger than 65535. No user information: `user@host` is
/// refused, as RFC 9110 §4.2.4 asks. An empty value is valid (a `Host` field for a target
/// without an authority is sent empty).
enum Authority {
    /// Whether `bytes` is a valid authority.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var i = 0
        if count > 0, bytes[0] == UInt8(ascii: "[") {
            i = 1
            while i < count, bytes[i] != UInt8(ascii: "]") {
                guard isIPLiteralChar(bytes[i]) else { return false }
                i += 1
            }
            // At least one character between the brackets, and the closing bracket.
            guard i > 1, i < count else { return false }
            i += 1
        } else {
            while i < count, bytes[i] != UInt8(ascii: ":") {
                let byte = bytes[i]
                if byte == UInt8(ascii: "%") {
                    guard i + 2 < count, ByteClass.hexValue(bytes[i + 1]) != nil, ByteClass.hexValue(bytes[i + 2]) != nil
                    else { return false }
                    i += 3
                    continue
                }
                guard isRegNameChar(byte) else { return false }
                i += 1
            }
        }
        guard i < count else { return true }
        guard bytes[i] == UInt8(ascii: ":") else { return false }
        return isValidPort(UnsafeRawBufferPointer(rebasing: bytes[(i + 1)...]))
    }

    /// `*DIGIT` (may be empty), at most 65535.
    private static func isValidPort(_ digits: UnsafeRawBufferPointer) -> Bool {
        guard digits.count <= 5 else { return false }
        var value = 0
        for byte in digits {
            guard byte &- 48 < 10 else { return false }
            value = value * 10 + Int(byte &- 48)
        }
        return value <= 65535
    }

    /// unreserved / sub-delims of RFC 3986 (`%` is handled by the caller).
    private static func isRegNameChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
            UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// Inside `[...]`: an IPv6 address (hex digits, `:`, `.` for an embedded IPv4 address) or an
    /// IPvFuture literal (`v` hex `.` then unreserved, sub-delims and `:`).
    private static func isIPLiteralChar(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ":") || isRegNameChar(byte)
    }
}
