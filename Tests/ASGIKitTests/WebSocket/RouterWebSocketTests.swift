import ASGI
import ASGIKit
import ASGITesting
import Synchronization
import Testing

/// `router.websocket` through the in-process test client: a real handshake, frames both ways and
/// the server's own answers (denials, close codes) — no socket.
@Suite struct RouterWebSocketTests {
    @Test func echoRouteWithPathParameter() async throws {
        let router = Router()
        let closeCode = Mutex<Int?>(nil)
        router.websocket("/ws/rooms/:room") { ws in
            try await ws.accept(subprotocol: ws.subprotocols.first)
            let room = try ws.pathParameters.require("room")
            for try await message in ws.messages {
                if case .text(let text) = message { try await ws.send(text: "\(room): \(text)") }
            }
            closeCode.withLock { $0 = ws.closeCode }
        }
        let client = TestClient(router.application)
        try await client.websocket("/ws/rooms/blue", subprotocols: ["chat", "other"]) { ws in
            #expect(ws.subprotocol == "chat")
            try await ws.send(text: "hi")
            #expect(try await ws.receiveText() == "blue: hi")
            #expect(try await ws.close(code: 1000).code == 1000)
        }
        await client.shutdown()
        #expect(closeCode.withLock { $0 } == 1000, "the handler saw the client's close code")
    }

    @Test func unknownPathIsDeniedWith404() async throws {
        let router = Router()
        router.websocket("/ws") { ws in try await ws.accept() }
        let denied = await Self.denial(router, "/nope")
        #expect(denied?.status == 404)
    }

    @Test func httpErrorBeforeAcceptBecomesTheDenial() async throws {
        let router = Router()
        router.websocket("/ws") { _ in throw HTTPError(401, "token required") }
        let denied = await Self.denial(router, "/ws")
        #expect(denied?.status == 401)
        #expect(denied?.text == "token required")
    }

    @Test func errorAfterAcceptClosesWith1011() async throws {
        struct Boom: Error {}
        let router = Router()
        router.websocket("/ws") { ws in
            try await ws.accept()
            throw Boom()
        }
        try await TestClient.withClient(router.application) { client in
            try await client.websocket("/ws") { ws in
                do {
                    _ = try await ws.receive()
                    Issue.record("a failing handler must close the socket")
                } catch let closed as TestWebSocketClosed {
                    #expect(closed.code == 1011)
                }
            }
        }
    }

    @Test func handlerThatNeverAnswersIsAcceptedThenClosed() async throws {
        let router = Router()
        router.websocket("/ws") { _ in }
        try await TestClient.withClient(router.application) { client in
            try await client.websocket("/ws") { ws in
                await #expect(throws: TestWebSocketClosed.self) { try await ws.receive() }
            }
        }
    }

    @Test func closeBeforeAcceptAndJSONSend() async throws {
        let router = Router()
        router.websocket("/closed") { ws in try await ws.close(code: 4003, reason: "no") }
        router.websocket("/json") { ws in
            try await ws.accept()
            try await ws.send(json: ["n": 1])
            try await ws.send(bytes: [1, 2])
        }
        // A close before accept is a refused handshake (403), as in uvicorn.
        #expect(await Self.denial(router, "/closed")?.status == 403)
        try await TestClient.withClient(router.application) { client in
            try await client.websocket("/json") { ws in
                let json = try await ws.receive()
                let bytes = try await ws.receive()
                #expect(json == .text(#"{"n":1}"#))
                #expect(bytes == .binary([1, 2]))
            }
        }
    }

    @Test func groupPrefixAppliesAndHTTPRoutesAreSeparate() async throws {
        let router = Router()
        router.get("/live") { _ in .text("http") }
        router.group("/api") { api in
            api.websocket("/live") { ws in
                try await ws.accept()
                try await ws.send(text: "ws")
            }
        }
        try await TestClient.withClient(router.application) { client in
            let text = try await client.websocket("/api/live") { ws in try await ws.receiveText() }
            #expect(text == "ws")
            #expect(try await client.get("/live").text == "http")
        }
        // The HTTP route of the same name is not a WebSocket route.
        #expect(await Self.denial(router, "/live")?.status == 404)
    }

    /// The response a refused handshake got, nil when it was accepted.
    private static func denial(_ router: Router, _ path: String) async -> TestResponse? {
        let client = TestClient(router.application)
        defer { Task { await client.shutdown() } }
        do {
            try await client.websocket(path) { _ in }
            return nil
        } catch let denied as TestWebSocketDenied {
            return denied.response
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }
}
