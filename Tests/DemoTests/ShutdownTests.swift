import Foundation
import Glibc
import Testing

extension DemoProcessSuites {
    /// SIGTERM: stop accepting, let in-flight requests finish, close idle connections, exit 0.
    @Suite("asgi-demo graceful shutdown")
    struct ShutdownTests {
        @Test("SIGTERM while a POST /echo is half received: the request completes with 200, then exit 0")
        func requestInFlightCompletes() throws {
            let server = try DemoServer()
            let port = try #require(server.port)
            let client = try ChildProcess("python3", [DemoEnvironment.pythonClient, "slow-echo", "127.0.0.1", "\(port)", "200000"], stdin: true)
            defer { client.killIfRunning() }
            try #require(
                client.stdout.wait(timeout: .seconds(20)) { $0.contains("HALF-SENT") },
                "the client never sent half its body: \(client.stderr.text)")

            server.child.send(signal: SIGTERM)
            // The server says it is shutting down before the client sends the rest: the request is
            // really in flight across the signal.
            let shuttingDown = server.child.stderr.wait(timeout: .seconds(10)) { $0.lowercased().contains("shutting down") }
            #expect(shuttingDown, "no 'Shutting down' log line after SIGTERM; log:\n\(server.log)")
            #expect(server.child.isRunning, "the server exited with a request in flight")
            client.writeToStdin("go\n")

            let clientStatus = client.waitForExit(timeout: .seconds(30))
            #expect(clientStatus == 0, "client: \(client.stderr.text)")
            let result = try DemoServer.json(
                lastLineOf: CommandResult(
                    command: client.command, status: clientStatus,
                    stdout: client.stdout.data, stderr: client.stderr.text))
            #expect(result["status"] as? Int == 200, "\(result)")
            #expect(result["same"] as? Bool == true, "\(result)")
            #expect(server.child.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(server.log)")
        }

        @Test("SIGTERM closes an idle keep-alive connection at once and exits 0")
        func idleConnectionClosed() throws {
            let server = try DemoServer(["--timeout-keep-alive", "60"])
            let port = try #require(server.port)
            let client = try ChildProcess("python3", [DemoEnvironment.pythonClient, "idle", "127.0.0.1", "\(port)"])
            defer { client.killIfRunning() }
            try #require(client.stdout.wait(timeout: .seconds(20)) { $0.contains("IDLE") }, "\(client.stderr.text)")
            let started = ContinuousClock.now
            server.child.send(signal: SIGTERM)
            let status = server.child.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "log:\n\(server.log)")
            #expect(ContinuousClock.now - started < .seconds(10), "shutdown waited on an idle connection")
            #expect(client.waitForExit(timeout: .seconds(20)) == 0)
            let result = try DemoServer.json(
                lastLineOf: CommandResult(
                    command: client.command, status: 0,
                    stdout: client.stdout.data, stderr: client.stderr.text))
            #expect(result["closed"] as? Bool == true, "\(result)")
        }

        @Test("a stalled in-flight request does not hold shutdown past --timeout-graceful-shutdown")
        func gracefulTimeoutBounds() throws {
            let server = try DemoServer(["--timeout-graceful-shutdown", "1"])
            let port = try #require(server.port)
            let client = try ChildProcess("python3", [DemoEnvironment.pythonClient, "slow-echo", "127.0.0.1", "\(port)", "200000"], stdin: true)
            defer { client.killIfRunning() }
            try #require(client.stdout.wait(timeout: .seconds(20)) { $0.contains("HALF-SENT") }, "\(client.stderr.text)")
            let started = ContinuousClock.now
            server.child.send(signal: SIGTERM)
            let status = server.child.waitForExit(timeout: .seconds(20))
            let waited = ContinuousClock.now - started
            #expect(status == 0, "log:\n\(server.log)")
            #expect(waited >= .milliseconds(900), "exited before the graceful timeout with a request in flight (\(waited))")
            #expect(waited < .seconds(10), "shutdown took \(waited) with --timeout-graceful-shutdown 1")
            client.closeStdin()
        }

        @Test("connections still in the accept queue at SIGTERM are served (connection: close), not reset")
        func queuedConnectionsAreServed() throws {
            let server = try DemoServer(["--no-access-log"])
            let port = try #require(server.port)
            let script = DemoEnvironment.packageRoot.appendingPathComponent("scripts/e2e/queued_at_shutdown.py").path
            let result = try runCommand("python3", [script, "127.0.0.1", "\(port)", "\(server.child.pid)", "300"], timeout: .seconds(60))
            #expect(result.status == 0, "\(result.stderr)")
            let counts = try DemoServer.json(lastLineOf: result)
            #expect(counts["ok"] as? Int == 300, "\(counts)")
            #expect(counts["reset"] as? Int == 0, "\(counts)")
            #expect(server.child.waitForExit(timeout: .seconds(30)) == 0, "log:\n\(server.log)")
        }
    }
}
