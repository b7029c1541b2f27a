import Testing

@testable import WebSocket

/// `FrameWriter` and the word-at-a-time masking, against the byte-by-byte frames of the tests.
@Suite struct FrameWriterTests {
    @Test(
        "server and client frames match the reference encoding at every length boundary",
        arguments: [0, 1, 7, 8, 9, 125, 126, 127, 65535, 65536, 70001])
    func frames(count: Int) {
        var random = SplitMix64(seed: UInt64(count) + 1)
        let payload = random.bytes(count)
        var server: [UInt8] = []
        FrameWriter.appendFrame(.binary, payload: payload, into: &server)
        #expect(server == frame(.binary, payload, mask: nil))
        var client: [UInt8] = []
        FrameWriter.appendFrame(.binary, payload: payload, mask: testMask, into: &client)
        #expect(client == frame(.binary, payload))
        #expect(read(client) == Transcript(events: [.binary(payload)]))
        #expect(read(server, ReaderSetup(role: .client)) == Transcript(events: [.binary(payload)]))
    }

    @Test("FIN, RSV1 and opcode bits; frames append after what the buffer holds")
    func bits() {
        var out: [UInt8] = [0xAA]
        FrameWriter.appendFrame(.text, payload: [0x41], fin: false, rsv1: true, into: &out)
        FrameWriter.appendFrame(.continuation, payload: [], into: &out)
        FrameWriter.appendFrame(.pong, payload: [1, 2], into: &out)
        #expect(out == [0xAA, 0x41, 0x01, 0x41, 0x80, 0x00, 0x8A, 0x02, 1, 2])
    }

    @Test("masking from any key phase and offset equals the byte-by-byte definition")
    func maskingPhases() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<500 {
            let count = random.below(40)
            let phase = random.below(4)
            let keyValue = UInt32(truncatingIfNeeded: random.next())
            let key = [
                UInt8(keyValue >> 24), UInt8(keyValue >> 16 & 0xFF), UInt8(keyValue >> 8 & 0xFF),
                UInt8(keyValue & 0xFF),
            ]
            let original = random.bytes(count + 3)
            let offset = random.below(4)  // unaligned starts
            var bytes = original
            let next = bytes.withUnsafeMutableBytes {
                MaskingKey(keyValue).apply(
                    to: UnsafeMutableRawBufferPointer(rebasing: $0[offset..<(offset + count)]), phase: phase)
            }
            var expected = original
            for i in 0..<count { expected[offset + i] ^= key[(i + phase) % 4] }
            #expect(bytes == expected)
            #expect(next == (phase + count) % 4)
        }
    }

    @Test("appendMessage without a compressor is one plain frame; with one, RSV1 and a compressed payload")
    func messages() {
        var plain: [UInt8] = []
        FrameWriter.appendMessage(.text, payload: Array("hi".utf8), compressor: nil, into: &plain)
        #expect(plain == [0x81, 0x02, 0x68, 0x69])
        var compressed: [UInt8] = []
        let compressor = Compressor(parameters: DeflateParameters(), role: .server)
        FrameWriter.appendMessage(.text, payload: Array("Hello".utf8), compressor: compressor, into: &compressed)
        // RFC 7692 §7.2.3.1: "Hello" compressed, one frame: c1 07 f2 48 cd c9 c9 07 00
        #expect(compressed == [0xC1, 0x07, 0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
    }
}
