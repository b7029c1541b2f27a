import ASGIKit
import Glibc
import Synchronization
import UVLoop

/// The demo application's routes (the README's table) without the Redis ones: `DemoCommand` adds
/// `/get`, `/set` and `/readyz` to the returned router before taking its `application`.
func makeDemoRouter(configuration: RouterConfiguration = RouterConfiguration()) -> Router {
    let router = Router(configuration: configuration)

    router.get("/") { _ in .text("Hello, ASGI!") }

    router.get("/echo") { request in
        .text("You said: \(try request.query["message"] ?? "")")
    }

    // Streams the body back chunk by chunk as it arrives: any size, nothing buffered.
    router.post("/echo") { request in
        .stream(request.bodyStream, contentType: request.headers["content-type"] ?? "application/octet-stream")
    }

    router.get("/json") { _ in try .json(Greeting(message: "Hello, JSON!")) }

    router.get("/stream") { request in
        let count = try request.query.get("n", as: Int.self) ?? 10
        guard (0...DemoLines.maxCount).contains(count) else {
            throw HTTPError(400, "n must be between 0 and \(DemoLines.maxCount)")
        }
        return .stream(DemoLines(count: count), contentType: "text/plain; charset=utf-8")
    }

    // Waits 1 s on a loop timer: the loop serves other requests meanwhile.
    router.get("/slow") { _ in
        if let loop = EventLoop.current {
            await loop.sleep(milliseconds: 1000)
        } else {
            try await Task.sleep(for: .seconds(1))
        }
        return .text("Slept 1 s without blocking the loop")
    }

    // A WSGI-style handler that blocks its thread for 1 s: it runs on the router's pool.
    router.blocking.get("/blocking") { _ in
        sleep(1)
        return .text("Slept 1 s on the blocking pool")
    }

    router.get("/healthz") { _ in .text("ok") }

    // A one-shot in-memory body of n bytes (large downloads, JSON dumps): the buffer is made
    // once per size and shared by every response, so the route measures sending, not making.
    router.get("/bytes") { request in
        let count = try request.query.get("n", as: Int.self) ?? DemoBytes.defaultCount
        guard (0...DemoBytes.maxCount).contains(count) else {
            throw HTTPError(400, "n must be between 0 and \(DemoBytes.maxCount)")
        }
        return .bytes(DemoBytes.bytes(count), contentType: "application/octet-stream")
    }

    // A page to chat from a browser over /ws/chat/:room.
    router.get("/chat") { _ in .bytes(ChatPage.bytes, contentType: "text/html; charset=utf-8") }

    // WebSocket echo: text back as text, bytes as bytes, until the client closes. It speaks the
    // subprotocol `echo` when the client offers it (and none otherwise).
    router.websocket("/ws") { ws in
        try await ws.accept(subprotocol: ws.subprotocols.contains("echo") ? "echo" : nil)
        for try await message in ws.messages {
            switch message {
            case .text(let text): try await ws.send(text: text)
            case .bytes(let bytes): try await ws.send(bytes: bytes)
            }
        }
    }
    return router
}

/// The bodies of `GET /bytes`: `abcd…` repeated, the last size asked for kept.
enum DemoBytes {
    static let defaultCount = 1 << 20
    static let maxCount = 16 << 20
    private static let last = Mutex<[UInt8]>([])

    static func bytes(_ count: Int) -> [UInt8] {
        last.withLock { cached in
            if cached.count != count {
                cached = (0..<count).map { UInt8(ascii: "a") &+ UInt8($0 % 26) }
            }
            return cached
        }
    }
}

private struct Greeting: Encodable, Sendable {
    let message: String
}

/// `line 1\n` … `line N\n`, one chunk per line, each made when the response asks for it.
struct DemoLines: AsyncSequence, Sendable {
    static let maxCount = 10_000
    typealias Element = [UInt8]
    let count: Int

    func makeAsyncIterator() -> Iterator { Iterator(count: count) }

    struct Iterator: AsyncIteratorProtocol {
        let count: Int
        var produced = 0

        mutating func next() async -> [UInt8]? {
            guard produced < count else { return nil }
            produced += 1
            return Array("line \(produced)\n".utf8)
        }
    }
}
