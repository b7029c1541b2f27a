import Testing

@testable import WebSocket

/// Autobahn 1.x (framing: payload lengths around the 7/16/64-bit boundaries) and RFC 6455 §5.2
/// length and masking rules.
@Suite struct FramingTests {
    /// A text payload of `count` bytes ("*" repeated, as Autobahn sends).
    static func payload(_ count: Int) -> [UInt8] { Array(repeating: UInt8(ascii: "*"), count: count) }

    // 1.1.1 ... 1.1.7: text of length 0, 125, 126, 127, 128, 65535, 65536.
    @Test("1.1.1-1.1.7 text message of length", arguments: [0, 125, 126, 127, 128, 65535, 65536])
    func textOfLength(count: Int) {
        let bytes = frame(.text, Self.payload(count))
        #expect(readEveryWay(bytes) == Transcript(events: [.text(String(repeating: "*", count: count))]))
    }

    // 1.1.8: 65536 bytes of text, sent in chops of 997 octets.
    @Test("1.1.8 text of length 65536 in chops of 997")
    func textInChops() {
        let bytes = frame(.text, Self.payload(65536))
        let transcript = read(bytes, lengths: chops(bytes.count, 997))
        #expect(transcript == Transcript(events: [.text(String(repeating: "*", count: 65536))]))
    }

    // 1.2.1 ... 1.2.7: binary of the same lengths; 1.2.8 in chops of 997.
    @Test("1.2.1-1.2.7 binary message of length", arguments: [0, 125, 126, 127, 128, 65535, 65536])
    func binaryOfLength(count: Int) {
        var random = SplitMix64(seed: UInt64(count))
        let payload = random.bytes(count)
        #expect(readEveryWay(frame(.binary, payload)) == Transcript(events: [.binary(payload)]))
    }

    @Test("1.2.8 binary of length 65536 in chops of 997")
    func binaryInChops() {
        let payload = Array(repeating: UInt8(0xFE), count: 65536)
        let bytes = frame(.binary, payload)
        #expect(read(bytes, lengths: chops(bytes.count, 997)) == Transcript(events: [.binary(payload)]))
    }

    @Test(
        "the length form on the wire: 7 bits to 125, 16 bits to 65535, 64 bits from 65536",
        arguments: [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)])
    func lengthForms(count: Int, headerSize: Int) {
        var out: [UInt8] = []
        FrameWriter.appendFrame(.binary, payload: Self.payload(count), into: &out)
        #expect(out.count == headerSize + count)
        #expect(out == frame(.binary, Self.payload(count), mask: nil))
        let masked = FrameHeader.size(second: out[1] | 0x80)
        #expect(masked == headerSize + 4)
    }

    @Test(
        "non-minimal lengths are accepted (RFC 6455 asks only senders for the shortest)",
        arguments: [(LengthForm.sixteen, 0), (.sixteen, 5), (.sixtyFour, 5), (.sixtyFour, 300)])
    func nonMinimalLengths(form: LengthForm, count: Int) {
        let payload = Self.payload(count)
        #expect(readEveryWay(frame(.binary, payload, length: form)) == Transcript(events: [.binary(payload)]))
    }

    @Test("a 64-bit length with the top bit set is refused (1002) from the header")
    func topBitLength() {
        let bytes: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]
        #expect(code(readEveryWay(bytes)) == 1002)
    }

    @Test("a server refuses an unmasked frame, a client a masked one (1002)")
    func maskingPerRole() {
        #expect(code(readEveryWay(frame(.text, [0x41], mask: nil))) == 1002)
        let client = ReaderSetup(role: .client)
        #expect(code(readEveryWay(frame(.text, [0x41]), client)) == 1002)
        #expect(readEveryWay(frame(.text, [0x41], mask: nil), client) == Transcript(events: [.text("A")]))
    }

    @Test("RFC 6455 §5.7 examples: masked and unmasked \"Hello\", 256 bytes and 64 KiB binary")
    func rfcExamples() {
        let unmasked: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        #expect(read(unmasked, ReaderSetup(role: .client)) == Transcript(events: [.text("Hello")]))
        let masked: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        #expect(read(masked) == Transcript(events: [.text("Hello")]))
        #expect(frame(.text, Array("Hello".utf8)) == masked)
        let fragmented: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]
        #expect(read(fragmented, ReaderSetup(role: .client)) == Transcript(events: [.text("Hello")]))
        #expect(Array(frame(.binary, Self.payload(256), mask: nil).prefix(4)) == [0x82, 0x7E, 0x01, 0x00])
        #expect(
            Array(frame(.binary, Self.payload(65536), mask: nil).prefix(10)) == [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
    }

    @Test("several frames in one feed give their events in order")
    func severalFrames() {
        let bytes = text("one") + frame(.ping, [1]) + frame(.binary, [2, 3]) + text("two")
        #expect(readEveryWay(bytes) == Transcript(events: [.text("one"), .ping([1]), .binary([2, 3]), .text("two")]))
    }
}
