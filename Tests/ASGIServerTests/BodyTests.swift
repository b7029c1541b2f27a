import ASGI
import ASGIServer
import Synchronization
import Testing
import UVLoop

@Suite(.serialized) struct BodyTests {
    @Test func chunkedPostIsEchoedDechunked() async throws {
        try await withServer(app: Apps.echo) { server in
            let port = server.port
            let response = try await blocking { () -> TestResponse in
                let client = try TestClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
                try client.send("5\r\nhello\r\n")
                try client.send("6;ext=1\r\n world\r\n0\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.text == "hello world")
        }
    }

    @Test func oneMebibytePostIsEchoed() async throws {
        try await withServer(app: Apps.echo) { server in
            let port = server.port
            let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let client = try TestClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(payload.count)\r\n\r\n")
            // Send and read at the same time: the echo streams back while the upload goes on.
            async let reply = blocking { try client.readResponse() }
            try await blocking { try client.send(payload) }
            let response = try await reply
            #expect(response.status == 200)
            #expect(response.body.count == payload.count)
            #expect(response.body == payload)
        }
    }

    @Test func expect100ContinueIsAnsweredWhenTheAppReads() async throws {
        try await withServer(app: Apps.echo) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
                let interim = try client.readSome()
                #expect(String(decoding: interim, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
                try client.send("ping")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "ping")
            }
        }
    }

    @Test func noContinueWhenTheAppAnswersWithoutReading() async throws {
        try await withServer(app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                // The body was never read, so the connection cannot be reused.
                #expect(response.header("connection") == "close")
            }
        }
    }

    @Test func headGetsHeadersWithoutBody() async throws {
        try await withServer(app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try client.readResponse(head: true)
                #expect(response.status == 200)
                #expect(response.header("content-length") == "12")
                // The next request on the same connection proves no body bytes were sent.
                try client.send(get("/"))
                let next = try client.readResponse()
                #expect(next.text == "Hello, ASGI!")
            }
        }
    }

    @Test func streamedResponseIsChunkedWithTrailers() async throws {
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")], trailers: true))
            for word in ["a", "bb", "ccc"] { try await send(.responseBody(Array(word.utf8), moreBody: true)) }
            try await send(.responseBody([], moreBody: false))
            try await send(.responseTrailers(headers: [("x-checksum", "42")]))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/"))
            #expect(response.chunked)
            #expect(response.text == "abbccc")
            #expect(response.trailers.first?.0 == "x-checksum")
            #expect(response.trailers.first?.1 == "42")
        }
    }

    @Test func http10StreamingIsCloseDelimited() async throws {
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Array("part1 ".utf8), moreBody: true))
            try await send(.responseBody(Array("part2".utf8), moreBody: false))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let raw = try await readUntilClose(port: port, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(raw.hasSuffix("\r\n\r\npart1 part2"))
            #expect(!raw.lowercased().contains("transfer-encoding"))
        }
    }

    @Test func clientLeavingMidBodyIsSeenAsDisconnectAndServerGoesOn() async throws {
        let seen = Mutex<[String]>([])
        let gotFirst = AsyncGate()
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            if scope.path == "/upload" {
                while true {
                    let event = try await receive()
                    seen.withLock { $0.append(event.type) }
                    if case .request(_, true) = event { gotFirst.open() }
                    if case .disconnect = event { break }
                    if case .request(_, false) = event { break }
                }
                // send after disconnect must throw (spec 2.4)
                do {
                    try await send(.responseStart(status: 200))
                    try await send(.responseBody([]))
                    seen.withLock { $0.append("send-succeeded") }
                } catch let error as ASGIError where error.isDisconnected {
                    seen.withLock { $0.append("send-threw") }
                }
                return
            }
            try await Apps.hello(scope, receive, send)
        }
        try await withServer(app: app) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n")
                try client.send([UInt8](repeating: 65, count: 1000))
            }
            await gotFirst.wait()
            // The TestClient above was released at the end of the closure: the socket is closed.
            try await waitUntil { seen.withLock { $0.contains("send-threw") || $0.contains("send-succeeded") } }
            #expect(seen.withLock { $0.contains("http.disconnect") })
            #expect(seen.withLock { $0.contains("send-threw") })
            let response = try await roundTrip(port: port, get("/"))
            #expect(response.status == 200)
        }
    }

    @Test func slowReaderGetsTheWholeBodyWhileServerPausesReading() async throws {
        // The app reads slowly: the server must buffer at most ~64 KiB and still deliver every byte.
        let total = Mutex(0)
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            while true {
                guard case .request(let body, let more) = try await receive() else { return }
                total.withLock { $0 += body.count }
                await EventLoop.current!.sleep(milliseconds: 1)
                if !more { break }
            }
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Array(String(total.withLock { $0 }).utf8)))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await blocking { () -> TestResponse in
                let client = try TestClient(port: port)
                let size = 4 << 20
                try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n")
                try client.send([UInt8](repeating: 1, count: size))
                return try client.readResponse()
            }
            #expect(response.text == String(4 << 20))
        }
    }

    @Test func sendSuspendsWhileTheClientDoesNotRead() async throws {
        // 64 MiB offered by the app to a client that reads nothing: send must stop returning long
        // before everything is "sent" (backpressure), then finish once the client reads.
        let offered = Atomic<Int>(0)
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200))
            let chunk = [UInt8](repeating: 7, count: 64 * 1024)
            for _ in 0..<1024 {
                try await send(.responseBody(chunk, moreBody: true))
                offered.add(chunk.count, ordering: .relaxed)
            }
            try await send(.responseBody([]))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let client = try TestClient(port: port)
            try client.send(get("/"))
            try await Task.sleep(for: .milliseconds(500))
            let early = offered.load(ordering: .relaxed)
            #expect(early < 16 << 20, "send kept accepting \(early) bytes without the client reading")
            let received = try await blocking { () -> Int in
                let response = try client.readResponse()
                return response.body.count
            }
            #expect(received == 64 << 20)
        }
    }
}

/// A one-shot signal between the app (loop thread) and the test.
final class AsyncGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard !s.open else { return [] }
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// Polls `condition` (bounded to 10 s) — for state changes on the server's thread.
func waitUntil(_ condition: @escaping @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestClientError("condition not met within 10 s") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
