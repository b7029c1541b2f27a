import Foundation
import Glibc
import Testing

extension DemoProcessSuites {
    /// `service-example`: the server and a Redis client in a swift-service-lifecycle `ServiceGroup`,
    /// stopped by the group on SIGTERM, against the test run's redis-server (`REDIS_URL`).
    @Suite("service-example in a ServiceGroup")
    struct ServiceExampleTests {
        /// Starts the example on port 0 and reads the bound port from its start-up line.
        static func start() throws -> (ChildProcess, Int) {
            let binary = DemoEnvironment.serviceExampleBinary
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw DemoTestError(
                    "no service-example at \(binary): build it first (swift build) or set SERVICE_EXAMPLE_BINARY")
            }
            let child = try ChildProcess(
                binary, ["--port", "0"], environment: ["REDIS_URL": DemoEnvironment.redisURL ?? ""])
            let pattern = /service-example listening on http:\/\/127\.0\.0\.1:(\d+)\n/
            guard child.stderr.wait(timeout: .seconds(20), until: { $0.contains(pattern) }),
                let match = child.stderr.text.firstMatch(of: pattern), let port = Int(match.1)
            else {
                child.killIfRunning()
                throw DemoTestError("service-example did not report its port within 20 s; stderr:\n\(child.stderr.text)")
            }
            return (child, port)
        }

        @Test(
            "SIGTERM with a request in flight: it completes with 200 through Redis, Redis closes, exit 0",
            .enabled(if: DemoEnvironment.redisURL != nil, "REDIS_URL not set (run scripts/test.sh)"))
        func sigtermDrainsThenCloses() throws {
            let (child, port) = try Self.start()
            defer { child.killIfRunning() }
            #expect(child.stderr.wait(timeout: .seconds(10)) { $0.contains("redis connected") }, "\(child.stderr.text)")

            let first = try runCommand("curl", ["-sS", "-i", "--max-time", "10", "http://127.0.0.1:\(port)/count"])
            let counted = try HTTPResult(parsing: first.stdout)
            #expect(counted.status == 200, "\(counted.text)")
            let count = try #require(counted.text.firstMatch(of: /^count (\d+)$/).flatMap { Int($0.1) }, "\(counted.text)")

            let slow = try ChildProcess(
                "curl",
                [
                    "-sS", "--max-time", "30", "-w", "\n%{http_code}",
                    "http://127.0.0.1:\(port)/sleep?ms=1500",
                ])
            defer { slow.killIfRunning() }
            try #require(
                child.stderr.wait(timeout: .seconds(10)) { $0.contains("GET /sleep: sleeping 1500 ms") },
                "the slow request never reached the handler; log:\n\(child.stderr.text)")
            let signalled = ContinuousClock.now
            child.send(signal: SIGTERM)
            #expect(child.stderr.wait(timeout: .seconds(10)) { $0.contains("Shutting down") }, "\(child.stderr.text)")
            #expect(child.isRunning, "the process exited with a request in flight")

            #expect(slow.waitForExit(timeout: .seconds(30)) == 0, "curl: \(slow.stderr.text)")
            let lines = slow.stdout.text.split(separator: "\n").map(String.init)
            #expect(lines.last == "200", "\(lines)")
            // The count after the sleep: Redis was still open when the request in flight finished.
            #expect(lines.first == "slept 1500 ms, count \(count + 1)", "\(lines)")

            let status = child.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "service-example did not exit 0 after SIGTERM; log:\n\(child.stderr.text)")
            #expect(ContinuousClock.now - signalled < .seconds(10), "the graceful shutdown took too long")
            #expect(child.stderr.text.contains("redis client closed"), "log:\n\(child.stderr.text)")
            let after = try runCommand("curl", ["-sS", "--max-time", "5", "http://127.0.0.1:\(port)/"])
            #expect(after.status != 0, "the port still answers after exit: \(after.text)")
        }
    }
}
