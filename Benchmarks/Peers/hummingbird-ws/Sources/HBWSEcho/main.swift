// Hummingbird 2 + hummingbird-websocket echo server for the Benchmarks `websocket` scenario.
//   GET /   → 200 "Hello, World!" (the driver's readiness probe)
//   /ws     → WebSocket echo: text back as text, binary as binary, until the client closes.
// Env: HB_PORT (listen port on 127.0.0.1, default 8086), HB_THREADS (NIO event-loop threads,
// default 1), HB_WS_MAX_SIZE (largest message and frame, default 16 MiB like asgi-demo and
// uvicorn; hummingbird-websocket's own default frame limit is 16 KiB, too small for 64 KiB
// messages). No WebSocket extensions are configured, so permessage-deflate is never negotiated.
// Everything else is hummingbird-websocket's default (auto-ping every 30 s, UTF-8 not validated).
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOPosix

let env = ProcessInfo.processInfo.environment
let port = Int(env["HB_PORT"] ?? "") ?? 8086
let threads = Int(env["HB_THREADS"] ?? "") ?? 1
let maxSize = Int(env["HB_WS_MAX_SIZE"] ?? "") ?? (16 << 20)

let elg = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let hello = ByteBuffer(string: "Hello, World!")

let router = Router()
router.get("/") { _, _ -> Response in
    Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: hello))
}

let app = Application(
    router: router,
    server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: maxSize))) { request, _, _ in
        guard request.path == "/ws" else { return .dontUpgrade }
        return .upgrade([:]) { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: maxSize) {
                switch message {
                case .text(let text): try await outbound.write(.text(text))
                case .binary(let bytes): try await outbound.write(.binary(bytes))
                }
            }
        }
    },
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
    eventLoopGroupProvider: .shared(elg)
)
try await app.runService()
