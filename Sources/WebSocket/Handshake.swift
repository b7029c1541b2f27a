internal import CCrypto

/// The opening handshake's values (RFC 6455 §4.2).
///
/// ```swift
/// guard let key = request.header("sec-websocket-key"), Handshake.isValidKey(key) else { return reject(400) }
/// headers.append(("sec-websocket-accept", Handshake.acceptValue(forKey: key)))
/// ```
public enum Handshake {
    /// The GUID RFC 6455 appends to the key before hashing it.
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64 of the SHA-1 (from libcrypto) of
    /// the key, surrounding whitespace trimmed, followed by the GUID.
    public static func acceptValue(forKey key: String) -> String {
        let input = Array(trimmed(key)) + Array(guid.utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = SHA1(input, input.count, &digest)
        return Base64.encode(digest)
    }

    /// A client's `Sec-WebSocket-Key`: base64 of 16 random bytes.
    public static func makeKey() -> String {
        Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255) })
    }

    /// Whether a `Sec-WebSocket-Key` is valid: base64, with padding, of exactly 16 bytes (24
    /// characters ending in `==`), once surrounding whitespace is trimmed.
    public static func isValidKey(_ key: String) -> Bool {
        Base64.decodedLength(trimmed(key)) == 16
    }

    /// The comma-separated tokens of one or more header values (`Sec-WebSocket-Protocol`,
    /// `Connection`, `Upgrade`), each trimmed, empty ones dropped: `["Upgrade, keep-alive"]` gives
    /// `["Upgrade", "keep-alive"]`. Case is kept (compare case-insensitively where the header's
    /// tokens are).
    public static func tokens(_ values: [String]) -> [String] {
        var tokens: [String] = []
        for value in values {
            for part in Array(value.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let token = ExtensionList.trim(part)
                if !token.isEmpty { tokens.append(String(decoding: token, as: UTF8.self)) }
            }
        }
        return tokens
    }

    private static func trimmed(_ text: String) -> ArraySlice<UInt8> {
        ExtensionList.trim(Array(text.utf8)[...])
    }
}
