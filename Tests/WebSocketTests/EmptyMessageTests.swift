import Testing

@testable import WebSocket

/// Empty messages with context takeover: zlib writes nothing for a sync flush right after
/// another one, so the compressor must still send a non-empty payload (found with Python's
/// `websockets` client: "a", "", "b" broke its inflate stream at "b").
@Suite struct EmptyMessageTests {
    @Test("a, empty, empty, b with context takeover inflate in order on the other side")
    func emptyMessagesKeepTheStreamsInStep() throws {
        let (parameters, _) = try #require(
            PerMessageDeflate.negotiate(offers: ["permessage-deflate; client_max_window_bits"]))
        let compressor = Compressor(parameters: parameters, role: .server)
        let reader = FrameReader(
            role: .client, maxMessageSize: 1 << 20,
            decompressor: Decompressor(parameters: parameters, role: .client, maxSize: 1 << 20))
        var wire: [UInt8] = []
        let messages = ["a", "", "", "b", "", "ccc"]
        for message in messages {
            let payload = compressor.compress(Array(message.utf8))
            #expect(!payload.isEmpty, "an empty compressed payload for \(message.debugDescription)")
            payload.withUnsafeBytes { FrameWriter.appendFrame(.text, payload: $0, rsv1: true, into: &wire) }
        }
        var events: [FrameEvent] = []
        _ = try wire.withUnsafeBytes {
            try reader.feed($0) {
                events.append($0); return true
            }
        }
        #expect(events == messages.map { .text($0) })
    }
}
