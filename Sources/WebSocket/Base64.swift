/// Standard base64 (RFC 4648 §4, with padding): encoding for the accept value, and the decoded
/// length for checking a key. Small enough not to need a library.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// How many bytes `text` decodes to, nil when it is not padded base64 (length a multiple of
    /// 4, alphabet characters, at most two `=` at the end).
    static func decodedLength(_ text: some Collection<UInt8>) -> Int? {
        guard text.count % 4 == 0 else { return nil }
        var padding = 0
        for byte in text {
            if byte == UInt8(ascii: "=") {
                padding += 1
            } else if padding > 0 || !alphabet.contains(byte) {
                return nil
            }
        }
        guard padding <= 2 else { return nil }
        return text.count / 4 * 3 - padding
    }
}
