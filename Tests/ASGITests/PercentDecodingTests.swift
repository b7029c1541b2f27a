import ASGI
import Testing

/// The one `%XX` decoder: `scope.path` (bad escapes kept), route and file segments (bad escapes
/// fail), query strings (`+` as a space, bad escapes fail).
@Suite struct PercentDecodingTests {
    func text(_ input: String, plus: Bool = false, _ badEscape: PercentDecoding.BadEscape) -> String? {
        PercentDecoding.decode(Array(input.utf8), plusAsSpace: plus, badEscape: badEscape)
    }

    func bytes(_ input: String, plus: Bool = false, _ badEscape: PercentDecoding.BadEscape) -> [UInt8]? {
        PercentDecoding.decodeBytes(Array(input.utf8), plusAsSpace: plus, badEscape: badEscape)
    }

    @Test func escapesOfEitherCaseBecomeBytes() {
        #expect(text("/a%20b/%2F%2f", .fail) == "/a b///")
        #expect(text("%41%4a%4A%7e", .keep) == "AJJ~")
        #expect(bytes("%00%ff%FF", .fail) == [0, 0xFF, 0xFF])
        #expect(text("", .fail) == "")
        #expect(bytes("", .fail) == [])
        #expect(text("plain/path", .fail) == "plain/path")
    }

    @Test(arguments: ["%", "%4", "%4g", "%g4", "%zz", "a%", "a%2", "%%41", "100%"])
    func badEscapeFailsOrIsKeptLiterally(_ input: String) {
        #expect(text(input, .fail) == nil)
        #expect(bytes(input, .fail) == nil)
        let kept = text(input, .keep)
        // Kept as Python's unquote keeps it: only complete escapes are decoded.
        let expected = [
            "%": "%", "%4": "%4", "%4g": "%4g", "%g4": "%g4", "%zz": "%zz", "a%": "a%", "a%2": "a%2",
            "%%41": "%A", "100%": "100%",
        ][input]
        #expect(kept == expected)
        #expect(bytes(input, .keep) == expected.map { Array($0.utf8) })
    }

    @Test func aBadEscapeAnywhereFailsTheWhole() {
        #expect(text("a%20b%zz", .fail) == nil)
        #expect(text("a%20b%zz", .keep) == "a b%zz")
    }

    @Test func plusIsASpaceOnlyWhenAsked() {
        #expect(text("a+b%2Bc", plus: true, .fail) == "a b+c")
        #expect(text("a+b%2Bc", plus: false, .fail) == "a+b+c")
        #expect(text("+++", plus: true, .fail) == "   ")
        #expect(PercentDecoding.needsDecoding(Array("a+b".utf8), plusAsSpace: true))
        #expect(!PercentDecoding.needsDecoding(Array("a+b".utf8), plusAsSpace: false))
        #expect(PercentDecoding.needsDecoding(Array("a%b".utf8)))
    }

    @Test func utf8IsDecodedAfterTheBytes() {
        #expect(text("caf%C3%A9", .fail) == "café")
        #expect(text("%E2%82%AC%F0%9F%98%80", .fail) == "€😀")
        // Raw UTF-8 (as a decoded path may hold) passes through.
        #expect(text("café/%C3%A9", .keep) == "café/é")
        // An escape cut in the middle of a character: each byte decodes, the text is checked whole.
        #expect(text("%C3" + "%A9", .fail) == "é")
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        #expect(text("%FF", .fail) == "\u{FFFD}")
        #expect(text("a%C3", .fail) == "a\u{FFFD}")
        #expect(text("%80abc", .keep) == "\u{FFFD}abc")
        // A surrogate encoded in UTF-8 is not a character.
        let surrogate = text("%ED%A0%80", .fail)
        #expect(surrogate == String(decoding: [0xED, 0xA0, 0x80], as: UTF8.self))
        #expect(surrogate?.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" } == true)
    }

    /// `%C0%AF` is an overlong `/`: the bytes stay what they are, and the text never gets a `/`
    /// out of them (a static-file lookup must not see a separator there).
    @Test(arguments: ["%C0%AF", "%E0%80%AF", "%F0%80%80%AF", "%C0%AE%C0%AE", "%C1%9C"])
    func overlongFormsAreNotTheCharacterTheySpell(_ input: String) throws {
        let decoded = try #require(bytes(input, .fail))
        #expect(decoded.count == input.utf8.count / 3)
        #expect(!decoded.contains(UInt8(ascii: "/")) && !decoded.contains(UInt8(ascii: ".")))
        let string = try #require(text(input, .fail))
        #expect(!string.contains("/") && !string.contains(".") && !string.contains("\\"))
        #expect(string.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" })
        #expect(string == String(decoding: decoded, as: UTF8.self))
    }

    @Test func anySliceOrBuffer() {
        let whole = Array("xx/a%20b".utf8)
        #expect(PercentDecoding.decode(whole[2...], badEscape: .fail) == "/a b")
        #expect(PercentDecoding.decodeBytes(whole[3...], badEscape: .keep) == Array("a b".utf8))
        whole.withUnsafeBytes { raw in
            #expect(PercentDecoding.decode(UnsafeRawBufferPointer(rebasing: raw[2...]), badEscape: .keep) == "/a b")
        }
    }

    @Test func hexDigits() {
        let digits = Array("0123456789abcdefABCDEF".utf8).map { PercentDecoding.hexValue($0) }
        #expect(digits == (0...15).map { UInt8($0) } + (10...15).map { UInt8($0) })
        #expect(PercentDecoding.hexValue(UInt8(ascii: "g")) == nil)
        #expect(PercentDecoding.hexValue(UInt8(ascii: "/")) == nil)
        #expect(PercentDecoding.hexValue(UInt8(ascii: ":")) == nil)
        #expect(PercentDecoding.hexValue(UInt8(ascii: "@")) == nil)
        #expect(PercentDecoding.hexValue(UInt8(ascii: "G")) == nil)
        #expect(PercentDecoding.hexValue(UInt8(ascii: "`")) == nil)
    }
}
