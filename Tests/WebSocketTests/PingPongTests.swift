import Testing

@testable import WebSocket

/// Autobahn 2.x: pings and pongs.
@Suite struct PingPongTests {
    @Test("2.1 ping without payload")
    func emptyPing() { #expect(readEveryWay(frame(.ping)) == Transcript(events: [.ping([])])) }

    @Test("2.2 ping with small text payload")
    func textPing() {
        let payload = Array("Hello, world!".utf8)
        #expect(readEveryWay(frame(.ping, payload)) == Transcript(events: [.ping(payload)]))
    }

    @Test("2.3 ping with small binary (non UTF-8) payload")
    func binaryPing() {
        let payload: [UInt8] = [0x00, 0xFF, 0xFE, 0xFD, 0xFC, 0xFB, 0x00, 0xFF]
        #expect(readEveryWay(frame(.ping, payload)) == Transcript(events: [.ping(payload)]))
    }

    @Test("2.4 ping with 125 bytes; 2.6 the same in octet-wise chops")
    func longestPing() {
        let payload = Array(repeating: UInt8(0xFE), count: 125)
        let bytes = frame(.ping, payload)
        #expect(read(bytes) == Transcript(events: [.ping(payload)]))
        #expect(read(bytes, lengths: bytewise(bytes.count)) == Transcript(events: [.ping(payload)]))
    }

    @Test("2.5 ping with 126 bytes is refused (1002), at its second byte")
    func tooLongPing() {
        let bytes = frame(.ping, Array(repeating: UInt8(0xFE), count: 126))
        #expect(code(readEveryWay(bytes)) == 1002)
        #expect(code(read(Array(bytes.prefix(2)))) == 1002)
    }

    @Test("2.7 unsolicited pong without payload; 2.8 with payload")
    func unsolicitedPong() {
        #expect(readEveryWay(frame(.pong)) == Transcript(events: [.pong([])]))
        let payload = Array("unsolicited pong payload".utf8)
        #expect(readEveryWay(frame(.pong, payload)) == Transcript(events: [.pong(payload)]))
    }

    @Test("2.9 unsolicited pong, then ping")
    func pongThenPing() {
        let bytes = frame(.pong, Array("unsolicited pong payload".utf8)) + frame(.ping, Array("ping payload".utf8))
        #expect(
            readEveryWay(bytes)
                == Transcript(events: [
                    .pong(Array("unsolicited pong payload".utf8)), .ping(Array("ping payload".utf8)),
                ]))
    }

    @Test("2.10 ten pings with payload; 2.11 in octet-wise chops")
    func tenPings() {
        let payload = Array("payload".utf8)
        let bytes = Array((0..<10).map { _ in frame(.ping, payload) }.joined())
        let expected = Transcript(events: Array(repeating: .ping(payload), count: 10))
        #expect(read(bytes) == expected)
        #expect(read(bytes, lengths: bytewise(bytes.count)) == expected)
    }

    @Test("5.1 ping and 5.2 pong fragmented into 2 fragments are refused (1002)", arguments: [Opcode.ping, .pong])
    func fragmentedControl(opcode: Opcode) {
        let bytes = frame(opcode, Array("fragment1".utf8), fin: false) + frame(.continuation, Array("fragment2".utf8))
        #expect(code(readEveryWay(bytes)) == 1002)
    }
}
