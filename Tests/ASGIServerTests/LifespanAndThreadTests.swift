import ASGI
import ASGIServer
import CLibUV
import Glibc
import Synchronization
import Testing
import UVLoop

@Suite(.serialized) struct LifespanAndThreadTests {
    @Test func lifespanStartupAndShutdownWrapServingAndShareState() async throws {
        let events = Mutex<[String]>([])
        let app: Application = { scope, receive, send in
            switch scope.type {
            case .lifespan:
                while true {
                    let event = try await receive()
                    events.withLock { $0.append(event.type) }
                    if event == .lifespanStartup {
                        scope.state["greeting"] = "from startup"
                        try await send(.lifespanStartupComplete)
                    } else if event == .lifespanShutdown {
                        try await send(.lifespanShutdownComplete)
                        return
                    }
                }
            case .websocket:
                return
            case .http:
                let greeting = scope.state["greeting"] as? String ?? "none"
                events.withLock { $0.append("request") }
                try await send(.responseStart(status: 200))
                try await send(.responseBody(Array(greeting.utf8)))
            }
        }
        var config = ServerConfig()
        config.port = 0
        config.accessLog = false
        let server = try await Server.start(config: config, app: app)
        let response = try await blocking {
            let client = try TestClient(port: server.port)
            try client.send(get("/"))
            return try client.readResponse()
        }
        #expect(response.text == "from startup")
        #expect(await server.shutdown() == 0)
        #expect(events.withLock { $0 } == ["lifespan.startup", "request", "lifespan.shutdown"])
    }

    @Test func lifespanStartupFailureStopsTheServer() async throws {
        let app: Application = { scope, receive, send in
            guard scope.type == .lifespan else { return }
            _ = try await receive()
            try await send(.lifespanStartupFailed(message: "no database"))
        }
        var config = ServerConfig()
        config.port = 0
        await #expect(throws: (any Error).self) { try await Server.start(config: config, app: app) }
    }

    @Test func plainClosureWithoutLifespanSupportStillServes() async throws {
        // Apps.hello ignores lifespan scopes by returning; a closure that answers every scope
        // with an HTTP response must work too (lifespan "auto" treats its error as unsupported).
        let app: Application = { _, _, send in
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Array("plain".utf8)))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await blocking {
                let client = try TestClient(port: port)
                try client.send(get("/"))
                return try client.readResponse()
            }
            #expect(response.text == "plain")
        }
    }

    @Test func handlerReadAndWriteAllRunOnTheLoopThread() async throws {
        let threads = Mutex<[String: UInt]>([:])
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            threads.withLock { $0["handler"] = pthread_self() }
            _ = try await receive()
            threads.withLock { $0["after-receive"] = pthread_self() }
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Array("x".utf8)))
            threads.withLock { $0["after-send"] = pthread_self() }
        }
        try await withServer(app: app) { server in
            let port = server.port
            let loopThread = try await withCheckedThrowingContinuation { continuation in
                server.loop.execute { continuation.resume(returning: pthread_self()) }
            }
            _ = try await blocking {
                let client = try TestClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi")
                return try client.readResponse()
            }
            let seen = threads.withLock { $0 }
            #expect(seen.count == 3)
            #expect(seen.values.allSatisfy { $0 == loopThread })
        }
    }

    @Test func unixSocketServes() async throws {
        let path = "/tmp/swiftasgi-test-\(getpid()).sock"
        var config = ServerConfig()
        config.unixSocket = path
        config.accessLog = false
        let server = try await Server.start(config: config, app: Apps.hello)
        #expect(server.address.host == path)
        let response = try await blocking { () -> String in
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard ok == 0 else { throw TestClientError("connect failed") }
            let request = Array(get("/", "Connection: close\r\n").utf8)
            _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
                if n <= 0 { break }
                all += buffer[..<n]
            }
            return String(decoding: all, as: UTF8.self)
        }
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.hasSuffix("Hello, ASGI!"))
        #expect(await server.shutdown() == 0)
    }

    @Test func scopeCarriesTheRequestAsASGIDescribesIt() async throws {
        let captured = AsyncBox<Scope>()
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            captured.set(scope)
            try await Apps.hello(scope, receive, send)
        }
        try await withServer({ $0.rootPath = "/api" }, app: app) { server in
            let port = server.port
            _ = try await blocking {
                let client = try TestClient(port: port)
                try client.send("GET /a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: t\r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n")
                return try client.readResponse()
            }
            let scope = await captured.value()
            #expect(scope.method == "GET")
            #expect(scope.path == "/api/a b/c")
            #expect(scope.rawPath == Array("/api/a%20b/c".utf8))  // root path in front, as uvicorn
            #expect(scope.queryString == Array("x=1&y=%2F".utf8))
            #expect(scope.rootPath == "/api")
            #expect(scope.httpVersion == "1.1")
            #expect(scope.scheme == "http")
            #expect(scope.asgiVersion == "3.0")
            #expect(scope.specVersion == "2.4")
            #expect(scope.headers.map(\.nameString) == ["host", "x-dup", "x-dup"])
            #expect(scope.headers.values(name: "X-Dup") == ["1", "2"])
            #expect(scope.client?.host == "127.0.0.1")
            #expect(scope.server?.port == port)
        }
    }
}
