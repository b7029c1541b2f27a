import ASGI
import ASGIServer
import Dispatch
import Foundation
import Testing
import UVLoop

@testable import ASGIKit

/// The router behind the real server, over real sockets.
@Suite struct LiveServerTests {
    static func start(_ router: Router) async throws -> RunningServer {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.accessLog = false
        return try await Server.start(config: config, app: router.application)
    }

    @Test func routesOverTheWire() async throws {
        let router = Router()
        router.get("/") { _ in .text("Hello, ASGI!") }
        router.get("/echo") { request in .text("You said: \(try request.query["message"] ?? "")") }
        router.post("/echo") { request in .stream(request.bodyStream) }
        router.get("/json") { _ in try .json(["message": "Hello, JSON!"]) }
        router.get("/users/:id") { request in .text(try request.pathParameters.require("id")) }
        let server = try await Self.start(router)
        let port = server.port

        let root = try await fetch(port: port, "/")
        #expect(root.status == 200 && root.text == "Hello, ASGI!")
        #expect(root.header("content-length") == "12")
        #expect(try await fetch(port: port, "/echo?message=hi+there").text == "You said: hi there")
        let json = try await fetch(port: port, "/json")
        #expect(json.text == #"{"message":"Hello, JSON!"}"#)
        #expect(json.header("content-type") == "application/json")
        #expect(try await fetch(port: port, "/users/a%2Fb").text == "a/b")
        #expect(try await fetch(port: port, "/missing").status == 404)
        let wrong = try await fetch(port: port, "/echo", method: "PUT")
        #expect(wrong.status == 405)
        #expect(wrong.header("allow") == "GET, POST, HEAD")
        let head = try await fetch(port: port, "/", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)

        // A body larger than the server's buffers comes back whole, streamed (chunked).
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let echoed = try await fetch(port: port, "/echo", method: "POST", body: big)
        #expect(echoed.status == 200)
        #expect(echoed.header("transfer-encoding") == "chunked")
        #expect(echoed.body == big)
        #expect(await server.shutdown() == 0)
    }

    @Test func firstLineReachesTheClientBeforeTheLastIsProduced() async throws {
        let gate = Gate()
        let router = Router()
        router.get("/stream") { _ in .stream(GatedChunks(gate: gate), contentType: "text/plain") }
        let server = try await Self.start(router)
        let port = server.port
        let response = try await onThread {
            let connection = try RawConnection(port: port, timeoutSeconds: 5)
            try connection.write(RawConnection.request(method: "GET", path: "/stream"))
            var received: [UInt8] = []
            // Read until the first line is here; only then may the sequence produce the last one.
            while received.firstRange(of: Array("first\n".utf8)) == nil {
                let chunk = try connection.read()
                guard !chunk.isEmpty else { throw RawHTTPError(description: "closed before the first line") }
                received += chunk
            }
            #expect(received.firstRange(of: Array("last".utf8)) == nil)
            gate.open()
            return try RawConnection.parse(try connection.readToEnd(after: received))
        }
        #expect(response.text == "first\nlast\n")
        #expect(await server.shutdown() == 0)
    }

    /// Ordering, not timing: with all four pool threads blocked, `GET /` is still answered.
    @Test func rootIsServedWhileFourBlockingHandlersHoldThePool() async throws {
        var configuration = RouterConfiguration()
        configuration.blockingThreads = 4
        let router = Router(configuration: configuration)
        let release = DispatchSemaphore(value: 0)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let backOnLoop = Locked<[Bool]>([])
        router.use { request, next in
            let response = try await next(request)
            backOnLoop.withLock { $0.append(EventLoop.current != nil) }  // the pool's result came back to the loop
            return response
        }
        router.get("/") { _ in .text("Hello, ASGI!") }
        router.blocking.get("/blocking") { _ in
            startedContinuation.yield()
            release.wait()
            return .text("done")
        }
        let server = try await Self.start(router)
        let port = server.port
        let finished = Locked<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let response = try await fetch(port: port, "/blocking")
                    finished.withLock { $0.append(response.text) }
                }
            }
            var iterator = started.makeAsyncIterator()
            for _ in 0..<4 { await iterator.next() }
            let root = try await fetch(port: port, "/")
            finished.withLock { $0.append(root.text) }
            for _ in 0..<4 { release.signal() }
            try await group.waitForAll()
        }
        #expect(finished.value == ["Hello, ASGI!", "done", "done", "done", "done"])
        #expect(backOnLoop.value == [true, true, true, true, true])
        #expect(await server.shutdown() == 0)
    }

    /// One loop serves 100 concurrent one-second waits in about one second: the loop never blocks.
    @Test func hundredSlowRequestsOnOneLoop() async throws {
        let router = Router()
        router.get("/slow") { _ in
            guard let loop = EventLoop.current else { return .text("not on a loop") }
            await loop.sleep(milliseconds: 1000)
            return .text("slept")
        }
        let server = try await Self.start(router)
        let port = server.port
        let clock = ContinuousClock()
        let start = clock.now
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await fetch(port: port, "/slow").text } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        let elapsed = clock.now - start
        #expect(texts.count == 100)
        #expect(texts.allSatisfy { $0 == "slept" })
        #expect(elapsed >= .milliseconds(950))
        // One after another they would take 100 s: 5 s (more under a sanitizer) proves concurrency.
        #expect(elapsed < .seconds(5 * testTimeScale), "100 × 1 s sleeps took \(elapsed)")
        #expect(await server.shutdown() == 0)
    }
}

/// Time bounds are multiplied by `SWIFTASGI_TIME_SCALE` (scripts/sanitize.sh sets it: sanitized
/// builds run several times slower).
let testTimeScale = getenv("SWIFTASGI_TIME_SCALE").flatMap { Int(String(cString: $0)) } ?? 1
