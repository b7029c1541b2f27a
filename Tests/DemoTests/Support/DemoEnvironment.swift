import Foundation

/// Where things are and what the environment provides.
enum DemoEnvironment {
    /// The package root, from this file's path (Tests/DemoTests/Support/…).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built `asgi-demo`: `ASGI_DEMO_BINARY`, else the one beside this test bundle (same build
    /// directory, whatever `--scratch-path` was), else `.build/debug/asgi-demo`.
    static let binary = builtBinary("asgi-demo", override: "ASGI_DEMO_BINARY")

    /// The built `service-example` (Examples/ServiceExample), found as ``binary`` is
    /// (`SERVICE_EXAMPLE_BINARY` first).
    static let serviceExampleBinary = builtBinary("service-example", override: "SERVICE_EXAMPLE_BINARY")

    /// `override` from the environment, else `name` beside this test bundle, else in `.build/debug`.
    private static func builtBinary(_ name: String, override: String) -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment[override], !path.isEmpty { return path }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // The test binary may sit inside an `.xctest` bundle directory.
        while directory.path.hasSuffix(".xctest") || directory.path.contains(".xctest/") {
            directory = directory.deletingLastPathComponent()
        }
        let beside = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return packageRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    /// The standard-library Python clients.
    static let pythonClient = packageRoot.appendingPathComponent("scripts/e2e/client.py").path

    /// `REDIS_URL` of the test run's redis-server (scripts/test.sh or .ci/run start one).
    static let redisURL: String? = {
        let value = ProcessInfo.processInfo.environment["REDIS_URL"]
        return value?.isEmpty == false ? value : nil
    }()

    /// The port of that redis-server, for checking with redis-cli what the demo stored.
    static let redisPort: Int? = ProcessInfo.processInfo.environment["SWIFTASGI_TEST_REDIS_PORT"].flatMap { Int($0) }

    /// `asgi-demo --help`, run once.
    static let helpText: String = {
        (try? runCommand(binary, ["--help"], timeout: .seconds(30)))?.text ?? ""
    }()

    /// Whether this build of the demo takes `--redis-url` (the Redis wiring may not have landed).
    static var acceptsRedisURLFlag: Bool { helpText.contains("--redis-url") }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("asgi-demo-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A loopback TCP port nothing listens on right now (bound to port 0, then released).
    static func closedPort() throws -> Int {
        let result = try runCommand(
            "python3",
            [
                "-c",
                """
                import socket
                s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
                """,
            ])
        guard let port = Int(result.text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw DemoTestError("could not find a free port: \(result.stderr)")
        }
        return port
    }
}

struct DemoTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
