import ASGI
import Testing
import UVLoop
import WebSocket

@testable import ASGIServer

extension SeamTests {
    /// The upgrade path of the connection state machine in process: an HTTP connection hands its
    /// transport to a WebSocket connection, frames in and out, no socket.
    @Suite struct WebSocketSeamTests {
        /// The server's frames in `bytes` after the 101 head.
        static func frames(after bytes: [UInt8]) throws -> [FrameEvent] {
            guard let start = WSClient.find(Array("HTTP/1.1 101".utf8), in: bytes),
                let headLength = WSClient.find([13, 10, 13, 10], in: Array(bytes[start...]))
            else { return [] }
            let end = start + headLength
            let reader = FrameReader(role: .client, maxMessageSize: 1 << 20)
            var events: [FrameEvent] = []
            _ = try Array(bytes[(end + 4)...]).withUnsafeBytes {
                try reader.feed($0) {
                    events.append($0); return true
                }
            }
            return events
        }

        @Test func upgradeAfterAKeepAliveRequestHandsOverTheTransport() throws {
            let harness = try ConnectionHarness(app: WSApps.echo())
            // A plain request, then the upgrade and a frame, all in one write.
            harness.send(get("/first") + WSClient.upgradeRequest("/ws"))
            harness.transport.send(WSClient.frame(.text, Array("over the seam".utf8)))
            harness.run { (try? Self.frames(after: harness.transport.written))?.isEmpty == false }
            let text = harness.transport.text
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(text)")
            #expect(text.contains("HTTP/1.1 101 Switching Protocols\r\n"), "\(text)")
            #expect(try Self.frames(after: harness.transport.written) == [.text("over the seam")])
            #expect(harness.core.connectionCount == 1)
            // Shutdown: close 1012; the client answers; the connection ends.
            var done = false
            harness.core.shutdown { done = true }
            harness.run { (try? Self.frames(after: harness.transport.written))?.count == 2 }
            #expect(try Self.frames(after: harness.transport.written).last == .close(code: CloseCode.serviceRestart, reason: "server shutting down"))
            var close: [UInt8] = []
            FrameWriter.appendClose(code: CloseCode.serviceRestart, reason: "", mask: 1, into: &close)
            harness.transport.send(close)
            harness.run { done }
            #expect(done)
            #expect(harness.transport.isClosed)
            #expect(harness.loop.close() == 0)
        }
    }
}
