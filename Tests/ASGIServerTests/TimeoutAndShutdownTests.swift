import ASGI
import ASGIServer
import Synchronization
import Testing
import UVLoop

@Suite(.serialized) struct TimeoutAndShutdownTests {
    @Test func slowClientThatNeverFinishesItsHeadIsClosed() async throws {
        try await withServer({ $0.timeoutHeader = 0.3 }, app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port, timeoutSeconds: 5)
                try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                let start = ContinuousClock.now
                let raw = String(decoding: try client.readToEnd(), as: UTF8.self)
                #expect(raw.hasPrefix("HTTP/1.1 408"))
                #expect(ContinuousClock.now - start < .seconds(4))
                // Others are still served.
                let other = try TestClient(port: port)
                try other.send(get("/"))
                #expect(try other.readResponse().status == 200)
            }
        }
    }

    @Test func silentConnectionIsClosedAfterHeaderTimeout() async throws {
        try await withServer({ $0.timeoutHeader = 0.2 }, app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port, timeoutSeconds: 5)
                #expect(client.isClosedByPeer())
            }
        }
    }

    @Test func gracefulShutdownLetsTheRequestInFlightComplete() async throws {
        let inside = AsyncGate()
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            inside.open()
            await EventLoop.current!.sleep(milliseconds: 300)
            try await Apps.hello(scope, receive, send)
        }
        var config = ServerConfig()
        config.port = 0
        config.accessLog = false
        let server = try await Server.start(config: config, app: app)
        let port = server.port
        let client = try TestClient(port: port)
        let idle = try TestClient(port: port)
        try client.send(get("/"))
        await inside.wait()
        async let reply = blocking { try client.readResponse() }
        let leaked = await server.shutdown()
        let response = try await reply
        #expect(response.status == 200)
        #expect(response.text == "Hello, ASGI!")
        #expect(response.header("connection") == "close")
        #expect(idle.isClosedByPeer())
        #expect(leaked == 0)
        #expect(throws: (any Error).self) { try TestClient(port: port) }
    }

    @Test func gracefulShutdownIsBoundedByItsTimeout() async throws {
        let inside = AsyncGate()
        let app: Application = { scope, _, _ in
            guard scope.type == .http else { return }
            inside.open()
            await EventLoop.current!.sleep(milliseconds: 20_000)
        }
        var config = ServerConfig()
        config.port = 0
        config.accessLog = false
        config.timeoutGracefulShutdown = 0.3
        let server = try await Server.start(config: config, app: app)
        let client = try TestClient(port: server.port)
        try client.send(get("/"))
        await inside.wait()
        let start = ContinuousClock.now
        _ = await server.shutdown()
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(client.isClosedByPeer())
    }
}
