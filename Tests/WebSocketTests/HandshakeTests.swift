import Testing

@testable import WebSocket

/// RFC 6455 §4.2 handshake values.
@Suite struct HandshakeTests {
    @Test("the RFC's sample key gives its accept value")
    func sampleKey() {
        #expect(Handshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(Handshake.acceptValue(forKey: " dGhlIHNhbXBsZSBub25jZQ== ") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(Handshake.acceptValue(forKey: "x3JJHMbDL1EzLkh9GBhXDw==") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=")
    }

    @Test(
        "valid keys: base64 with padding of exactly 16 bytes",
        arguments: [
            "dGhlIHNhbXBsZSBub25jZQ==", "AAAAAAAAAAAAAAAAAAAAAA==", "////////////////////+w==",
            "\tdGhlIHNhbXBsZSBub25jZQ== ",
        ])
    func validKey(key: String) { #expect(Handshake.isValidKey(key)) }

    @Test(
        "invalid keys",
        arguments: [
            "", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ===",
            "dGhlIHNhbXBsZSBub25jZ===",
            "dGhlIHNhbXBsZSBub25jZQ==AAAA", "AAAAAAAAAAAAAAAAAAAAAAA=", "dGhlIHNhbXBsZSBub25j",
            "dGhlIHNhbXBsZSBub2 5jZQ==",
            "dGhlIHNhbXBsZSBub25jZ!==", "=GhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ=A",
        ])
    func invalidKey(key: String) { #expect(!Handshake.isValidKey(key)) }

    @Test("base64 of every length up to 20 bytes matches the padded RFC 4648 encoding")
    func base64() {
        #expect(Base64.encode([]) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        for count in 0...20 {
            let encoded = Base64.encode(Array(repeating: 0xFF, count: count))
            #expect(Base64.decodedLength(Array(encoded.utf8)) == count)
        }
    }

    @Test("tokens of comma-separated header values")
    func tokens() {
        #expect(Handshake.tokens(["Upgrade, keep-alive"]) == ["Upgrade", "keep-alive"])
        #expect(
            Handshake.tokens(["chat, superchat", "  v2.proto ,, ", "", "\tx\t"]) == [
                "chat", "superchat", "v2.proto", "x",
            ])
        #expect(Handshake.tokens([]) == [])
    }
}
