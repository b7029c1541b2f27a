import ASGI
import ASGIKit
import ASGIServer
import ASGITesting
import Synchronization
import Testing

/// The in-process client against raw ASGI applications and an ASGIKit router: HTTP round trips,
/// streamed bodies both ways, trailers, lifespan around it, WebSockets. No socket is opened.
@Suite struct TestClientTests {
    /// Echoes the method, path, query, a header and the body; `/stream` sends its pieces only as
    /// `gate` lets it; `/trailers` ends with a trailer; lifespan keeps a value in the state.
    final class Probe: Sendable {
        private let shutdown = Atomic<Bool>(false)
        var shutdownRan: Bool { shutdown.load(ordering: .sequentiallyConsistent) }
        func markShutdown() { shutdown.store(true, ordering: .sequentiallyConsistent) }
        let gate = AsyncStream<Void>.makeStream()
    }

    static func app(_ probe: Probe) -> Application {
        { scope, receive, send in
            switch scope.type {
            case .lifespan:
                while true {
                    switch try await receive() {
                    case .lifespanStartup:
                        scope.state["greeting"] = "from startup"
                        try await send(.lifespanStartupComplete)
                    case .lifespanShutdown:
                        probe.markShutdown()
                        try await send(.lifespanShutdownComplete)
                        return
                    default:
                        return
                    }
                }
            case .http:
                var body: [UInt8] = []
                var pieces = 0
                while case .request(let bytes, let more) = try await receive() {
                    body += bytes
                    if !bytes.isEmpty { pieces += 1 }
                    if !more { break }
                }
                switch scope.path {
                case "/stream":
                    try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
                    var gate = probe.gate.stream.makeAsyncIterator()
                    for index in 1...3 {
                        try await send(.responseBody(Array("piece \(index);".utf8), moreBody: true))
                        if index < 3 { _ = await gate.next() }
                    }
                    try await send(.responseBody([]))
                case "/trailers":
                    try await send(.responseStart(status: 200, headers: [("trailer", "x-sum")], trailers: true))
                    try await send(.responseBody(Array("body".utf8)))
                    try await send(.responseTrailers(headers: [("x-sum", "42")]))
                default:
                    let greeting = scope.state["greeting"] as? String ?? "none"
                    let text =
                        "\(scope.method) \(scope.path) q=\(String(decoding: scope.queryString, as: UTF8.self)) "
                        + "x=\(scope.headers["x-test"] ?? "-") state=\(greeting) pieces=\(pieces) client=\(scope.client?.host ?? "-") body="
                    try await send(.responseStart(status: scope.path == "/missing" ? 404 : 200, headers: [("content-type", "text/plain")]))
                    try await send(.responseBody(Array(text.utf8) + body))
                }
            case .websocket:
                guard case .websocketConnect = try await receive() else { return }
                if scope.path == "/ws/refuse" {
                    try await send(.websocketClose(code: 1000))
                    return
                }
                try await send(.websocketAccept(subprotocol: scope.subprotocols.first))
                while true {
                    switch try await receive() {
                    case .websocketReceive(.text(let text)) where text == "bye":
                        try await send(.websocketClose(code: 4001, reason: "asked to"))
                        return
                    case .websocketReceive(let message):
                        try await send(.websocketSend(message))
                    default:
                        return
                    }
                }
            }
        }
    }

    @Test func requestsGoThroughTheServerWithLifespanAround() async throws {
        let probe = Probe()
        let client = TestClient(Self.app(probe))
        let response = try await client.get("/hello?a=1", headers: [("x-test", "yes")])
        #expect(response.status == 200)
        #expect(response.reason == "OK")
        #expect(response.headers["content-type"] == "text/plain")
        #expect(response.headers["content-length"] == "\(response.body.count)", "framed by the real server")
        #expect(response.text == "GET /hello q=a=1 x=yes state=from startup pieces=0 client=testclient body=")
        let posted = try await client.post("/echo", text: "payload")
        #expect(posted.text.hasSuffix("pieces=1 client=testclient body=payload"))
        #expect(try await client.get("/missing").status == 404)
        let head = try await client.head("/hello")
        #expect(head.status == 200 && head.body.isEmpty && head.headers["content-length"] != nil)
        #expect(!probe.shutdownRan)
        await client.shutdown()
        #expect(probe.shutdownRan, "lifespan shutdown ran")
        await #expect(throws: TestClientError.shutDown) { try await client.get("/") }
    }

    @Test func aRequestBodyCanBeStreamedInChunks() async throws {
        let response = try await TestClient.withClient(Self.app(Probe())) { client in
            try await client.request("POST", "/upload", body: .chunks([Array("ab".utf8), Array("cd".utf8), Array("e".utf8)]))
        }
        #expect(response.text.hasSuffix("body=abcde"))
        #expect(!response.text.contains("pieces=0"))
    }

    @Test func aResponseBodyArrivesAsTheApplicationSendsIt() async throws {
        let probe = Probe()
        try await TestClient.withClient(Self.app(probe)) { client in
            let response = try await client.stream("GET", "/stream")
            #expect(response.status == 200)
            #expect(response.headers["transfer-encoding"] == "chunked")
            var seen: [String] = []
            for try await piece in response.body {
                seen.append(String(decoding: piece, as: UTF8.self))
                // The application sends the next piece only now: it cannot have been buffered.
                probe.gate.continuation.yield()
            }
            #expect(seen == ["piece 1;", "piece 2;", "piece 3;"])
        }
    }

    @Test func trailersComeBackWithTheResponse() async throws {
        let response = try await TestClient.withClient(Self.app(Probe())) { try await $0.get("/trailers") }
        #expect(response.text == "body")
        #expect(response.trailers["x-sum"] == "42")
    }

    @Test func aFailedStartupIsWhatTheFirstRequestThrows() async throws {
        let app: Application = { scope, receive, send in
            guard scope.type == .lifespan, case .lifespanStartup = try await receive() else { return }
            try await send(.lifespanStartupFailed(message: "no database"))
        }
        let client = TestClient(app)
        await #expect(throws: (any Error).self) { try await client.get("/") }
        await client.shutdown()
    }

    @Test func webSocketsRoundTripAndCloseWithTheServersCode() async throws {
        try await TestClient.withClient(Self.app(Probe())) { client in
            try await client.websocket("/ws", subprotocols: ["chat", "other"]) { ws in
                #expect(ws.subprotocol == "chat")
                try await ws.send(text: "hello")
                #expect(try await ws.receive() == .text("hello"))
                try await ws.send(bytes: [0, 1, 2, 255])
                #expect(try await ws.receiveBytes() == [0, 1, 2, 255])
                let big = String(repeating: "x", count: 100_000)
                try await ws.send(text: big)
                #expect(try await ws.receiveText() == big)
                try await ws.send(text: "bye")
                do {
                    _ = try await ws.receive()
                    Issue.record("the server's close must end receive")
                } catch let closed as TestWebSocketClosed {
                    #expect(closed.code == 4001 && closed.reason == "asked to")
                }
            }
            let closed = try await client.websocket("/ws") { ws in try await ws.close() }
            #expect(closed.code == 1000)
            do {
                try await client.websocket("/ws/refuse") { _ in }
                Issue.record("a refused handshake must throw")
            } catch let denied as TestWebSocketDenied {
                #expect(denied.response.status == 403)
            }
        }
    }

    @Test func anASGIKitRouterWorksThroughIt() async throws {
        let router = Router()
        router.get("/users/:id") { request in .text("user \(try request.pathParameters.require("id"))") }
        router.post("/echo") { request in .text(String(decoding: try await request.body(), as: UTF8.self)) }
        router.websocket("/ws") { ws in
            try await ws.accept()
            for try await message in ws.messages {
                if case .text(let text) = message { try await ws.send(text: text.uppercased()) }
            }
        }
        try await TestClient.withClient(router.application) { client in
            #expect(try await client.get("/users/7").text == "user 7")
            #expect(try await client.post("/echo", text: "round trip").text == "round trip")
            #expect(try await client.get("/nothing").status == 404)
            try await client.websocket("/ws") { ws in
                try await ws.send(text: "shout")
                #expect(try await ws.receiveText() == "SHOUT")
            }
        }
    }
}
