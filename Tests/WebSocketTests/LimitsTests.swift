import Testing

@testable import WebSocket

/// Autobahn 9.x (large messages, many fragments, many messages) and 10.1.1, with the sizes
/// divided by `scale` so that the suite runs in a few seconds in a debug build; and
/// `maxMessageSize` (1009), checked from frame headers.
@Suite struct LimitsTests {
    static let scale = 8

    /// A message of `count` bytes, `fragment` bytes a frame.
    static func message(_ opcode: Opcode, _ payload: [UInt8], fragment: Int) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        repeat {
            let end = min(offset + fragment, payload.count)
            out += frame(offset == 0 ? opcode : .continuation, Array(payload[offset..<end]), fin: end == payload.count)
            offset = end
        } while offset < payload.count
        return out
    }

    static func payload(_ count: Int) -> [UInt8] { Array(alphabet.prefix(count)) }
    static let alphabet: [UInt8] = (0..<(2 << 20)).map { UInt8(ascii: "a") + UInt8($0 % 26) }

    @Test(
        "9.1.1-9.1.6 text and 9.2.1-9.2.6 binary of 64K, 256K, 1M, 4M, 8M, 16M (scaled)",
        arguments: [64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20], [Opcode.text, .binary])
    func bigMessage(size: Int, opcode: Opcode) {
        let payload = Self.payload(size / Self.scale)
        let expected: FrameEvent = opcode == .text ? .text(String(decoding: payload, as: UTF8.self)) : .binary(payload)
        let bytes = frame(opcode, payload)
        #expect(read(bytes) == Transcript(events: [expected]))
        #expect(read(bytes, lengths: chops(bytes.count, 65536)) == Transcript(events: [expected]))
    }

    @Test(
        "9.3.1-9.3.9 text and 9.4.1-9.4.9 binary of 4M in fragments of 64 to 4M (scaled)",
        arguments: [64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20], [Opcode.text, .binary])
    func fragmentedBigMessage(fragment: Int, opcode: Opcode) {
        let payload = Self.payload((4 << 20) / Self.scale)
        let expected: FrameEvent = opcode == .text ? .text(String(decoding: payload, as: UTF8.self)) : .binary(payload)
        let bytes = Self.message(opcode, payload, fragment: fragment)
        #expect(read(bytes, lengths: chops(bytes.count, 65536)) == Transcript(events: [expected]))
    }

    @Test(
        "9.5.1-9.5.6 text and 9.6.1-9.6.6 binary of 1M fed in chops of 64 to 2048 (scaled)",
        arguments: [64, 128, 256, 512, 1024, 2048], [Opcode.text, .binary])
    func chopped(chop: Int, opcode: Opcode) {
        let payload = Self.payload((1 << 20) / Self.scale)
        let expected: FrameEvent = opcode == .text ? .text(String(decoding: payload, as: UTF8.self)) : .binary(payload)
        let bytes = frame(opcode, payload)
        #expect(read(bytes, lengths: chops(bytes.count, chop)) == Transcript(events: [expected]))
    }

    @Test(
        "9.7.1-9.7.6 text and 9.8.1-9.8.6 binary: 1000 messages of 0 to 4K (scaled count)",
        arguments: [0, 16, 64, 256, 1 << 10, 4 << 10], [Opcode.text, .binary])
    func manyMessages(size: Int, opcode: Opcode) {
        let payload = Self.payload(size)
        let one = frame(opcode, payload)
        let count = 1000 / Self.scale
        let bytes = Array(repeatElement(one, count: count).joined())
        let event: FrameEvent = opcode == .text ? .text(String(decoding: payload, as: UTF8.self)) : .binary(payload)
        #expect(
            read(bytes, lengths: chops(bytes.count, 4096)) == Transcript(events: Array(repeating: event, count: count)))
    }

    @Test("10.1.1 text of 65536 bytes in fragments of 1300")
    func autoFragmented() {
        let payload = Self.payload(65536)
        let bytes = Self.message(.text, payload, fragment: 1300)
        #expect(readEveryWay(bytes) == Transcript(events: [.text(String(decoding: payload, as: UTF8.self))]))
    }

    @Test("a message of exactly maxMessageSize is read; one byte more is refused (1009)")
    func atTheLimit() {
        let setup = ReaderSetup(maxMessageSize: 1000)
        #expect(
            readEveryWay(frame(.binary, Self.payload(1000)), setup) == Transcript(events: [.binary(Self.payload(1000))])
        )
        #expect(code(readEveryWay(frame(.binary, Self.payload(1001)), setup)) == 1009)
    }

    @Test("1009 comes from the header alone, before any payload byte, even for a 2^62-byte frame")
    func fromTheHeader() {
        let setup = ReaderSetup(maxMessageSize: 1000)
        let header = Array(frame(.binary, Self.payload(1001)).prefix(8))  // 2 + 2 + 4 bytes
        #expect(code(read(header, setup)) == 1009)
        let huge: [UInt8] = [0x82, 0xFF, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
        #expect(code(read(huge, setup)) == 1009)
        #expect(code(read(huge, ReaderSetup(maxMessageSize: Int.max))) == nil)  // allowed, and not buffered ahead
    }

    @Test("fragments count together: refused at the header of the fragment that passes the limit")
    func fragmentsCountTogether() {
        let setup = ReaderSetup(maxMessageSize: 100)
        let first = frame(.text, Self.payload(60), fin: false)
        let second = frame(.continuation, Self.payload(41))
        #expect(code(read(first + Array(second.prefix(6)), setup)) == 1009)
        #expect(readEveryWay(first + frame(.continuation, Self.payload(40)), setup).events.count == 1)
    }

    @Test("control frames are not messages: a ping passes a limit of 0; each message starts from 0")
    func limitIsPerMessage() {
        let setup = ReaderSetup(maxMessageSize: 10)
        let bytes =
            frame(.ping, Self.payload(125)) + frame(.binary, Self.payload(10)) + frame(.binary, Self.payload(10))
        #expect(readEveryWay(bytes, setup).events.count == 3)
        #expect(readEveryWay(frame(.ping, Self.payload(125)), ReaderSetup(maxMessageSize: 0)).events.count == 1)
    }

    @Test("after a throw the reader is dead: every later feed throws the same error")
    func deadAfterThrow() throws {
        let reader = FrameReader(role: .server, maxMessageSize: 10)
        let bad = frame(.binary, Self.payload(11))
        var first: WebSocketError?
        do { _ = try reader.feed(bad) { _ in true } } catch { first = error }
        #expect(first?.closeCode == 1009)
        for later in [text("ok"), [], [0x81]] {
            #expect(throws: first!) { _ = try reader.feed(later) { _ in true } }
        }
        #expect(reader.bufferedBytes == 0)
    }
}
