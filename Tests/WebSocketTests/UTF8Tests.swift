import Testing

@testable import WebSocket

/// Autobahn 6.x: UTF-8 in text messages, checked incrementally across fragments and cuts, and
/// refused (1007) at the first byte that cannot be completed.
@Suite struct UTF8Tests {
    static let kosme: [UInt8] = [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5]

    /// Feeds `pieces` one after the other; the index of the piece whose feed threw, if any.
    static func failingPiece(_ pieces: [[UInt8]]) -> (index: Int, error: WebSocketError)? {
        let reader = FrameReader(role: .server, maxMessageSize: 1 << 20)
        for (index, piece) in pieces.enumerated() {
            do {
                _ = try reader.feed(piece) { _ in true }
            } catch {
                return (index, error)
            }
        }
        return nil
    }

    @Test("6.1.1 empty text; 6.1.2 three empty fragments; 6.1.3 empty, non-empty, empty")
    func emptyText() {
        #expect(readEveryWay(text("")) == Transcript(events: [.text("")]))
        let three = text("", fin: false) + frame(.continuation, fin: false) + frame(.continuation)
        #expect(readEveryWay(three) == Transcript(events: [.text("")]))
        let middle =
            text("", fin: false) + frame(.continuation, Array("middle frame payload".utf8), fin: false)
            + frame(.continuation)
        #expect(readEveryWay(middle) == Transcript(events: [.text("middle frame payload")]))
    }

    @Test("6.2.1 valid UTF-8 in one fragment; 6.2.2 two fragments at a code point boundary")
    func validText() {
        let message = "Hello-µ@ßöäüàá-UTF-8!!"
        #expect(readEveryWay(text(message)) == Transcript(events: [.text(message)]))
        let two = text("Hello-µ@ßöä", fin: false) + frame(.continuation, Array("üàá-UTF-8!!".utf8))
        #expect(readEveryWay(two) == Transcript(events: [.text(message)]))
    }

    @Test(
        "6.2.3-6.2.4 valid UTF-8 in fragments of 1 octet (fragments end inside code points)",
        arguments: [Array("Hello-µ@ßöäüàá-UTF-8!!".utf8), kosme])
    func oneOctetFragments(payload: [UInt8]) {
        let bytes = Self.fragments(payload, size: 1)
        #expect(readEveryWay(bytes) == Transcript(events: [.text(String(decoding: payload, as: UTF8.self))]))
    }

    /// `payload` as a text message in fragments of `size` bytes.
    static func fragments(_ payload: [UInt8], size: Int) -> [UInt8] {
        let parts = stride(from: 0, to: payload.count, by: size).map {
            Array(payload[$0..<min($0 + size, payload.count)])
        }
        var out: [UInt8] = []
        for (i, part) in parts.enumerated() {
            out += frame(i == 0 ? .text : .continuation, part, fin: i == parts.count - 1)
        }
        return out
    }

    static let invalid: [UInt8] = kosme + [0xED, 0xA0, 0x80] + Array("edited".utf8)

    @Test("6.3.1 invalid UTF-8 unfragmented; 6.3.2 in fragments of 1 octet")
    func invalidText() {
        #expect(code(readEveryWay(frame(.text, Self.invalid))) == 1007)
        #expect(code(readEveryWay(Self.fragments(Self.invalid, size: 1))) == 1007)
    }

    static let part1 = kosme
    static let part2: [UInt8] = [0xF4, 0x90, 0x80, 0x80]  // 0x110000, past U+10FFFF: bad at 0x90
    static let part3 = Array("edited".utf8)

    @Test("6.4.1 three frames: refused on the 2nd (fail fast), the 3rd never needed")
    func failFastFrames() {
        let pieces = [
            frame(.text, Self.part1, fin: false), frame(.continuation, Self.part2, fin: false),
            frame(.continuation, Self.part3),
        ]
        #expect(Self.failingPiece(pieces)?.index == 1)
        #expect(Self.failingPiece(pieces)?.error.closeCode == 1007)
    }

    @Test("6.4.2 the 2nd frame holds just the octet that makes it invalid: refused on it")
    func failFastOneOctetFrame() {
        let payload = Self.part1 + Self.part2 + Self.part3
        let pieces = [
            frame(.text, Array(payload[..<12]), fin: false), frame(.continuation, [payload[12]], fin: false),
            frame(.continuation, Array(payload[13...])),
        ]
        #expect(Self.failingPiece(pieces)?.index == 1)
    }

    @Test("6.4.3 one frame in 3 chops: refused on the 2nd chop; 6.4.4 the 2nd chop is the bad octet alone")
    func failFastChops() {
        let payload = Self.part1 + Self.part2 + Self.part3
        let bytes = frame(.text, payload)
        let header = bytes.count - payload.count
        let cuts = [header + Self.part1.count, header + Self.part1.count + Self.part2.count]
        let pieces = [Array(bytes[..<cuts[0]]), Array(bytes[cuts[0]..<cuts[1]]), Array(bytes[cuts[1]...])]
        #expect(Self.failingPiece(pieces)?.index == 1)
        let oneOctet = [Array(bytes[..<(header + 12)]), [bytes[header + 12]], Array(bytes[(header + 13)...])]
        #expect(Self.failingPiece(oneOctet)?.index == 1)
    }

    @Test(
        "6.5-6.23 (Markus Kuhn's UTF-8 test sequences) as one text frame and in 1-octet fragments",
        arguments: UTF8Sequences.all)
    func sequence(_ sequence: UTF8Sequences.Case) {
        let whole = readEveryWay(frame(.text, sequence.bytes))
        let fragmented = read(Self.fragments(sequence.bytes, size: 1))
        if sequence.isValid {
            let expected = Transcript(events: [.text(String(decoding: sequence.bytes, as: UTF8.self))])
            #expect(whole == expected)
            #expect(fragmented == expected)
        } else {
            #expect(code(whole) == 1007)
            #expect(code(fragmented) == 1007)
        }
    }

    @Test("the validator agrees with the standard library on every 1- and 2-byte string")
    func exhaustiveShort() {
        for a in 0...255 {
            for b in 0...256 {
                let bytes: [UInt8] = b == 256 ? [UInt8(a)] : [UInt8(a), UInt8(b)]
                let ours = bytes.withUnsafeBytes { UTF8Validator.isValid($0) }
                #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
            }
        }
    }

    @Test("the validator agrees with the standard library on every 3- and 4-byte sequence lead")
    func leadsAndContinuations() {
        let interesting: [UInt8] = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
        for lead in 0xC0...0xFF {
            for b in interesting {
                for c in interesting {
                    for d in interesting {
                        let bytes: [UInt8] = [UInt8(lead), b, c, d]
                        let ours = bytes.withUnsafeBytes { UTF8Validator.isValid($0) }
                        #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
                    }
                }
            }
        }
    }

    @Test("the validator agrees with the standard library on random strings, cut anywhere")
    func randomStrings() {
        var random = SplitMix64(seed: 6)
        let alphabet: [UInt8] = [
            0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0x9F, 0xA0, 0x8F,
        ]
        for _ in 0..<5000 {
            let bytes = (0..<(1 + random.below(12))).map { _ in alphabet[random.below(alphabet.count)] }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            var validator = UTF8Validator()
            let cut = random.below(bytes.count + 1)
            let valid = bytes.withUnsafeBytes {
                validator.validate(UnsafeRawBufferPointer(rebasing: $0[..<cut]))
                    && validator.validate(UnsafeRawBufferPointer(rebasing: $0[cut...]))
            }
            #expect((valid && validator.isComplete) == expected, "\(bytes) cut at \(cut)")
        }
    }

    @Test("ASCII runs are checked a word at a time, also where a word holds a multi-byte character")
    func wordPath() {
        let mixed = Array(("abcdefgh" + "é" + "abcdefghijklmno" + "€" + "x").utf8)
        #expect(mixed.withUnsafeBytes { UTF8Validator.isValid($0) })
        var broken = mixed
        broken[9] = 0x41  // the continuation byte of é
        #expect(!broken.withUnsafeBytes { UTF8Validator.isValid($0) })
    }
}
