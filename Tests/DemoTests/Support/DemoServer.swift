import Foundation
import Glibc
import Testing

/// A running `asgi-demo`, started on port 0 (or a unix socket); the bound address is read from its
/// start-up log line (`… running on http://127.0.0.1:PORT (Press CTRL+C to quit)`), never guessed.
final class DemoServer: @unchecked Sendable {
    // Safety: every stored property is set in `init` and only read afterwards.
    let child: ChildProcess
    /// The bound TCP port (nil when serving on a unix socket).
    let port: Int?
    let unixSocket: String?

    /// Starts the demo and waits (bounded: 20 s) for its start-up line.
    /// `redisURL`: passed as `--redis-url` when the demo takes it, and as `REDIS_URL` always;
    /// defaults to the test run's Redis.
    /// `launcher`: a command that runs the demo (e.g. `prlimit --nofile=64:64`), or none.
    init(
        _ arguments: [String] = [], unixSocket: String? = nil, redisURL: String? = DemoEnvironment.redisURL,
        launcher: [String] = []
    ) throws {
        var arguments = arguments
        if let unixSocket {
            arguments += ["--uds", unixSocket]
        } else if !arguments.contains("--port") {
            arguments += ["--port", "0"]
        }
        var environment: [String: String] = [:]
        if let redisURL {
            environment["REDIS_URL"] = redisURL
            if DemoEnvironment.acceptsRedisURLFlag { arguments += ["--redis-url", redisURL] }
        }
        let binary = DemoEnvironment.binary
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw DemoTestError("no asgi-demo at \(binary): build it first (swift build) or set ASGI_DEMO_BINARY")
        }
        if let tool = launcher.first {
            child = try ChildProcess(tool, Array(launcher.dropFirst()) + [binary] + arguments, environment: environment)
        } else {
            child = try ChildProcess(binary, arguments, environment: environment)
        }
        self.unixSocket = unixSocket
        let started = child.stderr.wait(timeout: .seconds(20)) { $0.contains("(Press CTRL+C to quit)") }
        guard started, let line = child.stderr.text.split(separator: "\n").first(where: { $0.contains("running on") }) else {
            child.killIfRunning()
            throw DemoTestError("asgi-demo \(arguments.joined(separator: " ")) did not report its address within 20 s; stderr:\n\(child.stderr.text)")
        }
        if unixSocket != nil {
            port = nil
        } else if let match = line.firstMatch(of: /running on http:\/\/[^ ]*:(\d+)/), let port = Int(match.1) {
            self.port = port
        } else {
            child.killIfRunning()
            throw DemoTestError("no port in the start-up line: \(line)")
        }
    }

    /// `http://127.0.0.1:PORT/path` (for a unix socket the host part is ignored by curl).
    func url(_ path: String) -> String {
        port.map { "http://127.0.0.1:\($0)\(path)" } ?? "http://localhost\(path)"
    }

    /// What the server logged so far.
    var log: String { child.stderr.text }

    /// SIGTERM, then waits (bounded) for the exit; returns the exit status (nil: timeout or signal).
    func terminate(timeout: Duration = .seconds(40)) -> Int32? {
        child.send(signal: SIGTERM)
        let status = child.waitForExit(timeout: timeout)
        if status == nil { child.killIfRunning() }
        return status
    }

    /// curl against this server: `-sS` plus `arguments`, and `--unix-socket` when serving on one.
    func curl(_ arguments: [String], timeout: Duration = .seconds(60)) throws -> CommandResult {
        var all = ["-sS", "--max-time", "\(Int(timeout.seconds))"]
        if let unixSocket { all += ["--unix-socket", unixSocket] }
        return try runCommand("curl", all + arguments, timeout: timeout + .seconds(5))
    }

    /// One request with curl, split into status, headers and body.
    func request(_ path: String, _ arguments: [String] = []) throws -> HTTPResult {
        let result = try curl(["-i"] + arguments + [url(path)])
        guard result.succeeded else {
            throw DemoTestError("\(result.command) failed (\(result.status.map(String.init) ?? "no exit")): \(result.stderr)")
        }
        return try HTTPResult(parsing: result.stdout)
    }

    /// A Python client from scripts/e2e/client.py against this server; returns its JSON result.
    func python(_ command: String, _ arguments: [String] = []) throws -> [String: Any] {
        let result = try runCommand("python3", [DemoEnvironment.pythonClient, command, "127.0.0.1", "\(port ?? 0)"] + arguments)
        return try DemoServer.json(lastLineOf: result)
    }

    static func json(lastLineOf result: CommandResult) throws -> [String: Any] {
        guard result.succeeded, let line = result.text.split(separator: "\n").last,
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else {
            throw DemoTestError("\(result.command) failed: \(result.text)\n\(result.stderr)")
        }
        return object
    }
}

/// Runs `body` against a fresh demo, then stops it with SIGTERM and expects a clean exit 0.
func withDemo(
    _ arguments: [String] = [], unixSocket: String? = nil, redisURL: String? = DemoEnvironment.redisURL,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: (DemoServer) throws -> Void
) throws {
    let server = try DemoServer(arguments, unixSocket: unixSocket, redisURL: redisURL)
    var failure: (any Error)?
    do { try body(server) } catch { failure = error }
    let status = server.terminate()
    #expect(status == 0, "asgi-demo did not exit 0 on SIGTERM; log:\n\(server.log)", sourceLocation: sourceLocation)
    if let failure { throw failure }
}
