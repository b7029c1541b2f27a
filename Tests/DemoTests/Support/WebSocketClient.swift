import Foundation
import Glibc

/// scripts/e2e/ws_client.py run with the Python that has the `websockets` library:
/// `SWIFTASGI_TEST_PYTHON` (scripts/test.sh sets it, from scripts/lib/python-venv.sh), else the
/// `.build-venv/` that script made earlier, if there is one.
enum WebSocketClient {
    static let script = DemoEnvironment.packageRoot.appendingPathComponent("scripts/e2e/ws_client.py").path

    static let python: String? = {
        if let path = ProcessInfo.processInfo.environment["SWIFTASGI_TEST_PYTHON"], !path.isEmpty { return path }
        let venv = DemoEnvironment.packageRoot.appendingPathComponent(".build-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()

    static let unavailable = """
        SWIFTASGI_TEST_PYTHON is not set and there is no .build-venv/: run scripts/test.sh, which \
        creates .build-venv/ with the pinned `websockets` from PyPI (scripts/lib/python-venv.sh), \
        or set SWIFTASGI_TEST_PYTHON to a Python that has `websockets`
        """

    /// Time bounds are multiplied by `SWIFTASGI_TIME_SCALE` (scripts/sanitize.sh sets it).
    static let timeScale = getenv("SWIFTASGI_TIME_SCALE").flatMap { Int(String(cString: $0)) } ?? 1

    static func scaled(_ duration: Duration) -> Duration { duration * timeScale }

    private static func requirePython() throws -> String {
        guard let python else { throw DemoTestError(unavailable) }
        return python
    }

    /// Runs `ws_client.py COMMAND ARGUMENTS…` to completion (bounded) and returns its last-line JSON.
    static func run(_ command: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> [String: Any] {
        let result = try runCommand(try requirePython(), [script, command] + arguments, timeout: scaled(timeout))
        return try DemoServer.json(lastLineOf: result)
    }

    /// Starts `ws_client.py COMMAND ARGUMENTS…` with a stdin pipe, for the clients that print a
    /// marker and wait for the test to act.
    static func start(_ command: String, _ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(try requirePython(), [script, command] + arguments, stdin: true)
    }

    /// Waits (bounded) for the started client to print `marker` on a line of its own.
    static func wait(for marker: String, in child: ChildProcess, timeout: Duration = .seconds(30)) -> Bool {
        child.stdout.wait(timeout: scaled(timeout)) { output in
            output.split(separator: "\n").contains { $0.hasPrefix(marker) }
        }
    }

    /// Waits (bounded) for the started client to exit and returns its last-line JSON.
    static func result(of child: ChildProcess, timeout: Duration = .seconds(60)) throws -> [String: Any] {
        let status = child.waitForExit(timeout: scaled(timeout))
        if status == nil { child.killIfRunning() }
        return try DemoServer.json(
            lastLineOf: CommandResult(
                command: child.command, status: status, stdout: child.stdout.data, stderr: child.stderr.text))
    }
}

extension DemoServer {
    /// `ws_client.py COMMAND 127.0.0.1 PORT ARGUMENTS…` against this server.
    func ws(_ command: String, _ arguments: [String] = [], timeout: Duration = .seconds(60)) throws -> [String: Any] {
        guard let port else { throw DemoTestError("WebSocket clients need a TCP port") }
        return try WebSocketClient.run(command, ["127.0.0.1", "\(port)"] + arguments, timeout: timeout)
    }
}

/// A redis-server of a test's own on a free loopback port (for the chat tests, which kill it and
/// start it again on the same port). Stopped with SIGKILL: it keeps no data.
final class OwnRedisServer: @unchecked Sendable {
    // Safety: a test owns its server and calls it from its own thread only.
    let port: Int
    private let directory: URL
    private var child: ChildProcess?

    /// Whether redis-server is on PATH.
    static let installed: Bool = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/redis-server") }
    }()

    init() throws {
        let directory = try DemoEnvironment.temporaryDirectory()
        var lastError: (any Error)?
        for _ in 0..<3 {  // the free port may be taken between the probe and the bind
            let port = try DemoEnvironment.closedPort()
            do {
                let child = try Self.launch(port: port, directory: directory)
                self.port = port
                self.directory = directory
                self.child = child
                return
            } catch { lastError = error }
        }
        try? FileManager.default.removeItem(at: directory)
        throw lastError ?? DemoTestError("redis-server did not start")
    }

    var url: String { "redis://127.0.0.1:\(port)" }

    /// Starts it again on the same port (after `kill()`).
    func start() throws {
        child = try Self.launch(port: port, directory: directory)
    }

    /// SIGKILL, as a crash would; returns once it is gone.
    func kill() {
        child?.killIfRunning()
        child = nil
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func launch(port: Int, directory: URL) throws -> ChildProcess {
        let child = try ChildProcess(
            "redis-server",
            [
                "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory.path, "--loglevel", "warning",
            ])
        for _ in 0..<100 {  // bounded: 100 × 0.1 s
            if !child.isRunning { break }
            if let ping = try? runCommand("redis-cli", ["-h", "127.0.0.1", "-p", "\(port)", "ping"], timeout: .seconds(5)),
                ping.text.contains("PONG")
            {
                return child
            }
            usleep(100_000)
        }
        child.killIfRunning()
        throw DemoTestError("redis-server on port \(port) did not answer PING within 10 s: \(child.stderr.text) \(child.stdout.text)")
    }
}
