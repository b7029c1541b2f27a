import ASGI
import Synchronization
import Testing

@testable import ASGIKit

@Suite struct BodyTests {
    @Test func collectsChunks() async throws {
        let router = Router()
        router.post("/len") { request in .text("\(try await request.body().count)") }
        let result = try await call(router.application, "POST", "/len", body: [bytes("abc"), bytes("de"), []])
        #expect(result.text == "5")
    }

    @Test func bodyTwiceReturnsTheSameBytes() async throws {
        let router = Router()
        router.post("/twice") { request in
            let first = try await request.body()
            let second = try await request.body()
            var streamed: [UInt8] = []
            for try await chunk in request.bodyStream { streamed += chunk }
            return .text("\(first == second && second == streamed) \(String(decoding: first, as: UTF8.self))")
        }
        #expect(try await call(router.application, "POST", "/twice", body: [bytes("x"), bytes("y")]).text == "true xy")
    }

    @Test func limitIs413WhileReading() async throws {
        var configuration = RouterConfiguration()
        configuration.maxBodyBytes = 4
        let router = Router(configuration: configuration)
        router.post("/small") { request in .bytes(try await request.body()) }
        router.post("/bigger") { request in .bytes(try await request.body(maxBytes: 10)) }
        let app = router.application
        #expect(try await call(app, "POST", "/small", body: [bytes("1234")]).text == "1234")
        #expect(try await call(app, "POST", "/small", body: [bytes("123"), bytes("45")]).status == 413)
        #expect(try await call(app, "POST", "/bigger", body: [bytes("12345678")]).status == 200)
    }

    @Test func limitIs413FromContentLengthWithoutReading() async throws {
        let router = Router()
        router.post("/up") { request in .bytes(try await request.body(maxBytes: 100)) }
        let result = try await call(router.application, "POST", "/up", headers: [("content-length", "1000")])
        #expect(result.status == 413)
    }

    @Test func defaultLimitIsOneMebibyte() {
        #expect(RouterConfiguration().maxBodyBytes == 1 << 20)
    }

    @Test func streamYieldsChunksAsTheyCome() async throws {
        let router = Router()
        router.post("/chunks") { request in
            var sizes: [Int] = []
            for try await chunk in request.bodyStream { sizes.append(chunk.count) }
            return .text(sizes.map(String.init).joined(separator: ","))
        }
        let result = try await call(router.application, "POST", "/chunks", body: [bytes("ab"), bytes("cde"), bytes("f")])
        #expect(result.text == "2,3,1")
    }

    @Test func bodyAfterStreamIsAnError() async throws {
        let router = Router()
        router.post("/x") { request in
            for try await _ in request.bodyStream {}
            _ = try await request.body()
            return .text("unreachable")
        }
        #expect(try await call(router.application, "POST", "/x", body: [bytes("a")]).status == 500)
    }

    @Test func disconnectWhileReading() async throws {
        let router = Router()
        router.post("/x") { request in .bytes(try await request.body()) }
        let app = router.application
        // The client leaves mid-body: receive says disconnect; the handler fails, the send fails.
        let scope = Scope(method: "POST", path: "/x", rawPath: bytes("/x"))
        let events = Locked<[ReceiveEvent]>([.request(body: bytes("a"), moreBody: true), .disconnect])
        await #expect(throws: ASGIError.self) {
            try await app(scope, { events.withLock { $0.removeFirst() } }, { _ in throw ASGIError.disconnected() })
        }
    }

    @Test func echoStreamsTheBodyBack() async throws {
        let router = Router()
        router.post("/echo") { request in .stream(request.bodyStream) }
        let result = try await call(router.application, "POST", "/echo", body: [bytes("one "), bytes("two "), bytes("three")])
        #expect(result.messages.map(\.moreBody) == [true, true, true, false])
        #expect(result.text == "one two three")
        let empty = try await call(router.application, "POST", "/echo")
        #expect(empty.messages.count == 1)
        #expect(empty.complete)
    }
}
