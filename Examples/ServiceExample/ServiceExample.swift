import ASGIKit
import ASGIRedis
import ASGIServer
import Glibc
import Logging
import ServiceLifecycle
import UVLoop

/// `service-example`: an ASGIKit router and a Redis client run by a swift-service-lifecycle
/// `ServiceGroup`, which stops both gracefully on SIGTERM or SIGINT.
///
/// ```sh
/// service-example --port 8080          # or PORT=8080; REDIS_URL (default redis://127.0.0.1:6379)
/// curl localhost:8080/count            # INCR in Redis
/// curl 'localhost:8080/sleep?ms=2000'  # a slow request, finished before the process exits
/// ```
@main
struct ServiceExample {
    static func main() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "service-example")
        guard let port = port() else {
            printToStandardError("usage: service-example [--port N] (or PORT=N)")
            exit(64)
        }
        let redisConfiguration = try RedisConfiguration(url: environment("REDIS_URL") ?? RedisConfiguration.defaultURL)

        // One loop for the server and the client: the client is confined to its loop, and the
        // handlers that call it run on the server's.
        let thread = try LoopThread(name: "service-example")
        let redis = await RedisClient.make(configuration: redisConfiguration, loop: thread.loop, logger: logger)

        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = port
        config.logger = logger
        let server = Server(
            config: config, app: makeRouter(redis: redis, logger: logger).application, loop: thread.loop
        ) { address in
            printToStandardError("service-example listening on http://\(address)")
        }
        // Graceful shutdown goes in reverse order: the server drains, then Redis closes.
        let group = ServiceGroup(
            services: [redis, server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        thread.stopAndJoin()
    }

    static func makeRouter(redis: RedisClient, logger: Logger) -> Router {
        let router = Router()
        router.get("/") { _ in .text("Hello from a ServiceGroup") }
        // Counts requests in Redis.
        router.get("/count") { _ in
            let value = try await count(redis)
            return .text("count \(value)")
        }
        // Waits `ms` milliseconds on the loop, then counts: a request in flight at SIGTERM still
        // reaches Redis, which closes after the server.
        router.get("/sleep") { request in
            let milliseconds = try request.query.get("ms", as: Int.self) ?? 1000
            guard (0...60_000).contains(milliseconds) else { throw HTTPError(400, "ms must be between 0 and 60000") }
            logger.info("GET /sleep: sleeping \(milliseconds) ms")
            await redis.loop.sleep(milliseconds: UInt64(milliseconds))
            let value = try await count(redis)
            return .text("slept \(milliseconds) ms, count \(value)")
        }
        return router
    }

    /// INCR of the example's counter; 503 while Redis is unreachable, 502 when it answers an error.
    static func count(_ redis: RedisClient) async throws(HTTPError) -> Int64 {
        do {
            return try await redis.incr("service-example:count")
        } catch {
            throw error.isUnavailable
                ? HTTPError(503, "Redis is unavailable: \(error)") : HTTPError(502, "Redis error: \(error)")
        }
    }

    /// `--port N`, else `PORT`, else 8080; nil when not a port number.
    static func port() -> Int? {
        let arguments = CommandLine.arguments
        let text: String
        if let index = arguments.firstIndex(of: "--port") {
            guard index + 1 < arguments.count else { return nil }
            text = arguments[index + 1]
        } else {
            text = environment("PORT") ?? "8080"
        }
        guard let port = Int(text), (0...65535).contains(port) else { return nil }
        return port
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func printToStandardError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
