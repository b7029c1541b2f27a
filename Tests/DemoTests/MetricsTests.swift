import Foundation
import Glibc
import Testing

extension DemoProcessSuites {
    /// `--metrics-port`: Prometheus text read back with prometheus_client's own parser
    /// (scripts/e2e/metrics_check.py): values move with requests, errors, WebSockets and Redis
    /// reconnects; `--workers 2` adds the workers up; labels stay bounded under random traffic.
    @Suite(
        "asgi-demo --metrics-port", .serialized,
        .enabled(if: WebSocketClient.python != nil, Comment(rawValue: WebSocketClient.unavailable)))
    struct MetricsTests {
        private static let script = DemoEnvironment.packageRoot.appendingPathComponent("scripts/e2e/metrics_check.py").path

        /// Families (name → type) and samples (`name{k=v,…}` → value) as the parser read them.
        struct Scrape {
            let families: [String: String]
            let samples: [String: Double]
            let contentType: String

            func value(_ series: String) -> Double { samples[series] ?? 0 }
            func sum(prefix: String) -> Double { samples.filter { $0.key.hasPrefix(prefix) }.values.reduce(0, +) }
            func count(prefix: String) -> Int { samples.keys.filter { $0.hasPrefix(prefix) }.count }
        }

        private static func scrape(_ port: Int) throws -> Scrape {
            let python = try #require(WebSocketClient.python)
            let result = try runCommand(python, [script, "scrape", "http://127.0.0.1:\(port)/metrics"], timeout: .seconds(30))
            #expect(result.status == 0, "the text did not parse: \(result.stderr)")
            let json = try DemoServer.json(lastLineOf: result)
            return Scrape(
                families: json["families"] as? [String: String] ?? [:],
                samples: (json["samples"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue },
                contentType: json["contentType"] as? String ?? "")
        }

        /// A free port for the metrics endpoint.
        private static func freePort() throws -> Int { try DemoEnvironment.closedPort() }

        @Test("requests, errors, durations, open connections and WebSockets move the numbers; the text parses")
        func valuesMove() throws {
            let metricsPort = try Self.freePort()
            let server = try DemoServer(["--metrics-port", "\(metricsPort)", "--no-access-log"])
            let before = try Self.scrape(metricsPort)
            #expect(before.contentType.hasPrefix("text/plain; version=0.0.4"))
            for family in [
                "http_server_requests", "http_server_request_duration_seconds", "http_server_active_requests",
                "http_server_open_connections", "websocket_open_connections", "websocket_messages",
                "redis_commands", "redis_errors", "redis_reconnects", "process_resident_memory_bytes",
            ] {
                #expect(before.families[family] != nil, "no family \(family): \(before.families.keys.sorted())")
            }
            #expect(before.families["http_server_request_duration_seconds"] == "histogram")
            #expect(before.value("process_resident_memory_bytes{}") > 1_000_000)
            for _ in 0..<5 { #expect(try server.request("/").status == 200) }
            #expect(try server.request("/no/such/page").status == 404)
            #expect(try server.request("/set?key=metrics&value=1").status == 200)

            let python = try #require(WebSocketClient.python)
            let socket = try ChildProcess(
                python, [Self.script, "websocket", server.url("/ws").replacingOccurrences(of: "http", with: "ws"), "3"], stdin: true)
            defer { socket.killIfRunning() }
            try #require(socket.stdout.wait(timeout: .seconds(20)) { $0.contains("OPEN") }, "\(socket.stderr.text)")
            let during = try Self.scrape(metricsPort)
            #expect(during.value("websocket_open_connections{}") == 1)
            #expect(during.value("http_server_open_connections{}") >= 1)
            #expect(during.value("websocket_messages_total{direction=in}") == 3)
            #expect(during.value("websocket_messages_total{direction=out}") == 3)
            socket.closeStdin()
            #expect(socket.waitForExit(timeout: .seconds(20)) == 0)

            let after = try Self.scrape(metricsPort)
            #expect(
                after.value("http_server_requests_total{method=GET,status=200}") - before.value("http_server_requests_total{method=GET,status=200}")
                    >= 6)
            #expect(
                after.value("http_server_requests_total{method=GET,status=404}") - before.value("http_server_requests_total{method=GET,status=404}")
                    == 1)
            #expect(after.value("http_server_request_duration_seconds_count{}") >= 7)
            #expect(
                after.value("http_server_request_duration_seconds_bucket{le=+Inf}") == after.value("http_server_request_duration_seconds_count{}"))
            #expect(after.value("redis_commands_total{}") > before.value("redis_commands_total{}"))
            #expect(server.terminate() == 0)
        }

        @Test("Redis going away and coming back shows in redis_errors_total and redis_reconnects_total")
        func redisReconnects() throws {
            let redisPort = try Self.freePort()
            func startRedis() throws -> ChildProcess {
                let redis = try ChildProcess("redis-server", ["--port", "\(redisPort)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                let up = redis.stdout.wait(timeout: .seconds(10)) { $0.contains("Ready to accept connections") }
                try #require(up, "redis-server did not start: \(redis.stdout.text)")
                return redis
            }
            var redis = try startRedis()
            defer { redis.killIfRunning() }
            let metricsPort = try Self.freePort()
            let server = try DemoServer(["--metrics-port", "\(metricsPort)", "--no-access-log"], redisURL: "redis://127.0.0.1:\(redisPort)")
            #expect(try server.request("/set?key=k&value=v").status == 200)
            let before = try Self.scrape(metricsPort)
            redis.send(signal: SIGKILL)
            _ = redis.waitForExit(timeout: .seconds(10))
            #expect(try server.request("/get?key=k").status == 503)
            redis = try startRedis()
            var answered = false
            for _ in 0..<100 where !answered {
                answered = (try? server.request("/set?key=k&value=v").status) == 200
                if !answered { usleep(100_000) }
            }
            #expect(answered, "the server did not reconnect")
            let after = try Self.scrape(metricsPort)
            #expect(after.value("redis_reconnects_total{}") - before.value("redis_reconnects_total{}") >= 1)
            #expect(after.value("redis_errors_total{}") - before.value("redis_errors_total{}") >= 1)
            #expect(after.value("http_server_requests_total{method=GET,status=503}") >= 1)
            #expect(server.terminate() == 0)
        }

        @Test("with --workers 2 the supervisor serves the sum of both workers")
        func workersAddUp() throws {
            let metricsPort = try Self.freePort()
            let server = try DemoServer(["--workers", "2", "--metrics-port", "\(metricsPort)", "--no-access-log"])
            // Both workers must be up before the count, or one of them may not be asked.
            var workers = 0.0
            for _ in 0..<100 where workers < 2 {
                workers = (try? Self.scrape(metricsPort))?.value("workers{}") ?? 0
                if workers < 2 { usleep(100_000) }
            }
            #expect(workers == 2)
            for _ in 0..<40 { #expect(try server.request("/").status == 200) }
            let scrape = try Self.scrape(metricsPort)
            #expect(scrape.value("http_server_requests_total{method=GET,status=200}") == 40)
            #expect(scrape.value("http_server_request_duration_seconds_count{}") == 40)
            #expect(scrape.value("worker_restarts_total{}") == 0)
            #expect(scrape.value("process_resident_memory_bytes{}") > 3_000_000, "supervisor and two workers")
            #expect(server.terminate() == 0)
        }

        @Test("1,000 random paths and methods leave the label sets bounded")
        func cardinalityIsBounded() throws {
            let metricsPort = try Self.freePort()
            let server = try DemoServer(["--metrics-port", "\(metricsPort)", "--no-access-log"])
            let port = try #require(server.port)
            let python = try #require(WebSocketClient.python)
            let traffic = try runCommand(python, [Self.script, "traffic", "127.0.0.1", "\(port)", "1000"], timeout: .seconds(120))
            #expect(traffic.status == 0, "\(traffic.stderr)")
            let scrape = try Self.scrape(metricsPort)
            let series = scrape.samples.keys.filter { $0.hasPrefix("http_server_requests_total{") }
            #expect(scrape.sum(prefix: "http_server_requests_total{") == 1000)
            // Ten method values at most (the HTTP methods and "other"), times the few statuses seen.
            #expect(series.count <= 30, "\(series.sorted())")
            #expect(series.contains { $0.contains("method=other") }, "invented methods are counted as other: \(series.sorted())")
            #expect(!series.contains { $0.contains("path") }, "no path label")
            #expect(server.terminate() == 0)
        }
    }
}
