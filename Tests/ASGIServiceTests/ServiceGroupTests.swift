import ASGI
import ASGIRedis
import ASGIServer
import Glibc
import Logging
import ServiceLifecycle
import Testing
import UVLoop

/// `Server` and `RedisClient` as services of a `ServiceGroup` on one shared loop, against the test
/// run's redis-server (`REDIS_URL`).
@Suite(.serialized) struct ServiceGroupTests {
    static let redisURL: String? = getenv("REDIS_URL").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

    /// Lifespan events, and `GET /count` (INCR) and `GET /sleep` (500 ms on the loop, then INCR)
    /// through `redis`.
    static func app(redis: RedisClient, key: String, events: EventLog) -> Application {
        { scope, receive, send in
            switch scope.type {
            case .lifespan:
                while true {
                    let event = try await receive()
                    events.append(event.type)
                    if event == .lifespanStartup { try await send(.lifespanStartupComplete) }
                    if event == .lifespanShutdown {
                        try await send(.lifespanShutdownComplete)
                        return
                    }
                }
            case .websocket:
                return
            case .http:
                if scope.path == "/sleep" {
                    events.append("sleep started")
                    await redis.loop.sleep(milliseconds: 500)
                }
                let status: Int
                let body: String
                do {
                    body = "\(try await redis.incr(key))"
                    status = 200
                } catch {
                    body = "\(error)"
                    status = 503
                }
                try await send(.responseStart(status: status, headers: [("content-type", "text/plain")]))
                try await send(.responseBody(Array(body.utf8)))
            }
        }
    }

    /// Waits (bounded: 10 s) until `redis` accepts commands.
    static func connected(_ redis: RedisClient) async -> Bool {
        await Task(executorPreference: redis.loop.executor) { () async -> Bool in
            for _ in 0..<2000 where !redis.isConnected { await redis.loop.sleep(milliseconds: 5) }
            return redis.isConnected
        }.value
    }

    static func serverConfig(logger: Logger) -> ServerConfig {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.accessLog = false
        config.logger = logger
        return config
    }

    @Test(
        "triggerGracefulShutdown: the in-flight request finishes with Redis, then both stop",
        .enabled(if: redisURL != nil, "REDIS_URL not set"))
    func gracefulShutdownStopsServerThenRedis() async throws {
        let logs = LogCapture()
        let events = EventLog()
        let thread = try LoopThread(name: "service-test")
        let configuration = try RedisConfiguration(url: try #require(Self.redisURL))
        let redis = await RedisClient.make(
            configuration: configuration, loop: thread.loop, logger: logs.logger("redis"))
        let key = "asgi-service-test:\(UInt64.random(in: 0...UInt64.max))"
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let server = Server(
            config: Self.serverConfig(logger: logs.logger("server")),
            app: Self.app(redis: redis, key: key, events: events), loop: thread.loop
        ) { address in portSink.yield(address.port ?? 0) }
        let group = ServiceGroup(services: [redis, server], logger: logs.logger("group"))
        let running = Task { try await group.run() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())
        #expect(port > 0)
        // The group starts its services together: the server may listen before Redis is connected.
        #expect(await Self.connected(redis), "the client did not connect within 10 s")

        let first = try await RawHTTP.get(port: port, "/count")
        let second = try await RawHTTP.get(port: port, "/count")
        #expect(first.status == 200, "\(first.body)")
        #expect(second.status == 200, "\(second.body)")
        let count = try #require(Int(first.body), "not a count: \(first.body)")
        #expect(Int(second.body) == count + 1, "INCR went through Redis: \(first.body), \(second.body)")

        let slow = Task { try await RawHTTP.get(port: port, "/sleep") }
        #expect(await events.wait(for: "sleep started"))
        await group.triggerGracefulShutdown()
        let inFlight = try await slow.value
        // 200 and the next count: Redis was still open when the request in flight finished.
        #expect(inFlight.status == 200, "\(inFlight.body)")
        #expect(Int(inFlight.body) == count + 2, "\(inFlight.body)")

        try #require(await finishes(running, within: .seconds(20)), "group.run() did not return")
        try await running.value
        #expect(RawHTTP.isRefused(port: port), "the port still accepts connections")
        #expect(events.all == ["lifespan.startup", "sleep started", "lifespan.shutdown"])
        let afterClose = await Task(executorPreference: thread.loop.executor) { () async -> String in
            do {
                return "answered \(try await redis.ping())"
            } catch let error as RedisError {
                return error.isUnavailable ? "unavailable" : "\(error)"
            } catch {
                return "\(error)"
            }
        }.value
        #expect(afterClose == "unavailable", "a command after run() returned")
        #expect(logs.contains("redis client closed"), "\(logs.messages)")
        #expect(thread.stopAndJoin() == 0, "a handle of the server or the client leaked")
    }

    @Test(
        "graceful shutdown lets a Redis command in flight get its reply before the client closes",
        .enabled(if: redisURL != nil, "REDIS_URL not set"))
    func redisCommandInFlightFinishes() async throws {
        let logs = LogCapture()
        let thread = try LoopThread(name: "service-test")
        let configuration = try RedisConfiguration(url: try #require(Self.redisURL))
        let redis = await RedisClient.make(
            configuration: configuration, loop: thread.loop, logger: logs.logger("redis"))
        let group = ServiceGroup(services: [redis], logger: logs.logger("group"))
        let running = Task { try await group.run() }
        #expect(await Self.connected(redis), "the client did not connect within 10 s")
        let key = Array("asgi-service-test:empty:\(UInt64.random(in: 0...UInt64.max))".utf8)
        // BLPOP on an empty list: Redis answers (nil) after 300 ms, well within the command timeout.
        let blocked = Task(executorPreference: thread.loop.executor) { () async -> String in
            do {
                return "\(try await redis.command([Array("BLPOP".utf8), key, Array("0.3".utf8)]))"
            } catch {
                return "failed: \(error)"
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        await group.triggerGracefulShutdown()
        try #require(await finishes(running, within: .seconds(20)), "group.run() did not return")
        #expect(await blocked.value == "\(RedisReply.null)", "the command in flight did not get its reply")
        #expect(logs.contains("redis client closed"), "\(logs.messages)")
        #expect(thread.stopAndJoin() == 0)
    }

    @Test(
        "a server that cannot bind makes group.run() throw, and Redis closes",
        .enabled(if: redisURL != nil, "REDIS_URL not set"))
    func bindFailureThrows() async throws {
        let logs = LogCapture()
        let occupier = try await Server.start(config: Self.serverConfig(logger: logs.logger("occupier"))) { _, _, _ in }
        let thread = try LoopThread(name: "service-test")
        let configuration = try RedisConfiguration(url: try #require(Self.redisURL))
        let redis = await RedisClient.make(
            configuration: configuration, loop: thread.loop, logger: logs.logger("redis"))
        var config = Self.serverConfig(logger: logs.logger("server"))
        config.port = occupier.port
        let server = Server(config: config, app: { _, _, _ in }, loop: thread.loop)
        let group = ServiceGroup(services: [redis, server], logger: logs.logger("group"))
        let running = Task { try await group.run() }
        try #require(await finishes(running, within: .seconds(20)), "group.run() did not return")
        // The server's own error, not the group's `serviceFinishedUnexpectedly`.
        await #expect(throws: UVError.addressInUse) { try await running.value }
        #expect(logs.contains("redis client closed"), "\(logs.messages)")
        #expect(thread.stopAndJoin() == 0)
        await occupier.shutdown()
    }

    @Test("cancelling the task of Server.run() stops it (its own loop thread, outside any group)")
    func cancellationStopsTheServer() async throws {
        let events = EventLog()
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app: Application = { scope, receive, send in
            if scope.type == .lifespan {
                while true {
                    let event = try await receive()
                    events.append(event.type)
                    if event == .lifespanStartup { try await send(.lifespanStartupComplete) }
                    if event == .lifespanShutdown { try await send(.lifespanShutdownComplete); return }
                }
            }
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Array("hello".utf8)))
        }
        var config = Self.serverConfig(logger: LogCapture().logger("server"))
        config.handleSignals = true  // ignored by a service
        let server = Server(config: config, app: app) { address in portSink.yield(address.port ?? 0) }
        #expect(server.config.handleSignals == false)
        let running = Task { try await server.run() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())
        let response = try await RawHTTP.get(port: port, "/")
        #expect(response.status == 200 && response.body == "hello")
        running.cancel()
        #expect(await finishes(running, within: .seconds(20)), "run() did not return after cancellation")
        #expect(RawHTTP.isRefused(port: port), "the port still accepts connections")
        #expect(events.all == ["lifespan.startup", "lifespan.shutdown"])
    }

    @Test("at --limit-max-requests run() returns by itself and leaves a shared loop running")
    func requestLimitEndsRunKeepsTheLoop() async throws {
        let thread = try LoopThread(name: "service-test")
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var config = Self.serverConfig(logger: LogCapture().logger("server"))
        config.limitMaxRequests = 1
        let server = Server(config: config, app: Self.hello, loop: thread.loop) { portSink.yield($0.port ?? 0) }
        let running = Task { try await server.run() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())
        #expect(try await RawHTTP.get(port: port, "/").status == 200)
        try #require(await finishes(running, within: .seconds(20)), "run() did not return at the request limit")
        #expect(RawHTTP.isRefused(port: port), "the port still accepts connections")
        let stillRunning = await Task(executorPreference: thread.loop.executor) { thread.loop.isInLoopThread }.value
        #expect(stillRunning, "the shared loop no longer runs tasks")
        #expect(thread.stopAndJoin() == 0)
    }

    @Test("--metrics-port is served by a server running as a service, and stops with it")
    func metricsEndpointRunsWithTheService() async throws {
        let metricsPort = try Self.freePort()
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        var config = Self.serverConfig(logger: LogCapture().logger("server"))
        config.metricsPort = metricsPort
        let server = Server(config: config, app: Self.hello) { portSink.yield($0.port ?? 0) }
        let running = Task { try await server.run() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())
        #expect(try await RawHTTP.get(port: port, "/").status == 200)
        let metrics = try await RawHTTP.get(port: metricsPort, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"http_server_requests_total{method="GET",status="200"} 1"#), "\(metrics.body)")
        running.cancel()
        #expect(await finishes(running, within: .seconds(20)), "run() did not return after cancellation")
        #expect(RawHTTP.isRefused(port: metricsPort), "the metrics port still accepts connections")
    }

    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static let hello: Application = { scope, _, send in
        guard scope.type == .http else { return }
        try await send(.responseStart(status: 200))
        try await send(.responseBody(Array("hello".utf8)))
    }
}
