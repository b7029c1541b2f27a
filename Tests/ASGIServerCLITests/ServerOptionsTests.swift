import ASGIServer
import ASGIServerCLI
import ArgumentParser
import Foundation
import Testing

@Suite struct ServerOptionsTests {
    @Test func defaultsFollowUvicorn() throws {
        let options = try ServerOptions.parse([])
        let config = options.makeConfig(logger: .init(label: "t"))
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 6000)
        #expect(config.timeoutKeepAlive == 5)
        #expect(config.timeoutHeader == 10)
        #expect(config.timeoutGracefulShutdown == 30)
        #expect(config.maxHeaderSize == 16384)
        #expect(config.accessLog)
        #expect(config.proxyHeaders)
        #expect(config.forwardedAllowIPs == ["127.0.0.1"])
        #expect(options.workers == nil)
    }

    @Test func everyFlagParses() throws {
        let options = try ServerOptions.parse([
            "--host", "0.0.0.0", "--port", "8080", "--workers", "3", "--backlog", "128",
            "--log-level", "debug", "--no-access-log", "--access-log-format", "%(h)s %(s)s",
            "--no-proxy-headers", "--forwarded-allow-ips", "10.0.0.0/8,::1", "--root-path", "/api",
            "--limit-concurrency", "10", "--limit-max-requests", "100", "--limit-max-requests-jitter", "5",
            "--timeout-keep-alive", "2", "--timeout-header", "3", "--timeout-graceful-shutdown", "4",
            "--timeout-worker-healthcheck", "6", "--max-header-size", "8192", "--header", "x-a: 1",
            "--header", "x-b:2", "--no-server-header", "--no-date-header", "--lifespan", "off",
            "--timeout-body-read", "7", "--timeout-send", "8", "--limit-max-connections", "900",
            "--open-file-cache", "0.5",
        ])
        let config = options.makeConfig(logger: .init(label: "t"))
        #expect(config.host == "0.0.0.0" && config.port == 8080 && config.backlog == 128)
        #expect(options.workers == WorkerCount(3))
        #expect(!config.accessLog && !config.proxyHeaders && !config.serverHeader && !config.dateHeader)
        #expect(config.limitConcurrency == 10 && config.limitMaxRequests == 100 && config.limitMaxRequestsJitter == 5)
        #expect(config.timeoutKeepAlive == 2 && config.timeoutHeader == 3 && config.timeoutGracefulShutdown == 4)
        #expect(options.timeoutWorkerHealthcheck == 6)
        #expect(config.maxHeaderSize == 8192 && config.rootPath == "/api" && config.lifespan == .off)
        #expect(config.defaultHeaders.map { "\($0.0)=\($0.1)" } == ["x-a=1", "x-b=2"])
        #expect(config.accessLogFormat.source == "%(h)s %(s)s")
        #expect(config.timeoutBodyRead == 7 && config.timeoutSend == 8 && config.limitMaxConnections == 900)
        #expect(config.openFileCacheSeconds == 0.5)
    }

    @Test func workersAutoIsTheCPUCount() throws {
        let options = try ServerOptions.parse(["--workers", "auto"])
        #expect((options.workers?.count ?? 0) >= 1)
    }

    @Test(arguments: [
        ["--port", "abc"], ["--port", "70000"], ["--port", "-1"], ["--workers", "0"], ["--workers", "many"],
        ["--timeout-header", "-1"], ["--timeout-keep-alive", "-2"], ["--max-header-size", "10"],
        ["--limit-concurrency", "0"], ["--limit-max-requests", "0"], ["--log-level", "loud"],
        ["--header", "no-colon"], ["--header", "bad name: x"], ["--forwarded-allow-ips", "10.0.0.0/99"],
        ["--root-path", "api"], ["--access-log-format", "%(z)s"], ["--lifespan", "maybe"],
        ["--uds", "/tmp/a", "--fd", "3"], ["--backlog", "0"], ["--no-such-flag"],
        ["--timeout-body-read", "0"], ["--timeout-send", "-1"], ["--limit-max-connections", "0"],
        ["--uds", "/etc/hostname"], ["--open-file-cache", "-1"],
    ])
    func badValuesAreRejected(arguments: [String]) {
        #expect(throws: (any Error).self) { try ServerOptions.parse(arguments) }
    }

    @Test func environmentProvidesFlagsAndTheCommandLineWins() throws {
        let environment = [
            "SWIFTASGI_PORT": "7000", "SWIFTASGI_ACCESS_LOG": "0", "WEB_CONCURRENCY": "2",
            "FORWARDED_ALLOW_IPS": "*", "SWIFTASGI_HEADER": "x-a: 1;x-b: 2", "UNRELATED": "x",
        ]
        let fromEnvironment = try ServerOptions.environmentArguments(environment)
        let options = try ServerOptions.parse(fromEnvironment + ["--port", "7100"])
        #expect(options.port == 7100)
        #expect(!options.accessLog)
        #expect(options.workers == WorkerCount(2))
        #expect(options.forwardedAllowIps == "*")
        #expect(options.headers.count == 2)
        #expect(throws: (any Error).self) { try ServerOptions.environmentArguments(["SWIFTASGI_RELOAD": "maybe"]) }
    }

    @Test func supervisorRewritesSocketFlags() {
        #expect(ServerProcess.rewrite(["--uds", "/tmp/s", "--port", "1", "--uds=/x"], dropping: ["--uds"]) == ["--port", "1"])
    }

    @Test func anEnvironmentFileIsReadAndItsSyntaxChecked() throws {
        let parsed = try EnvironmentFile.parse(
            """
            # comment
            SWIFTASGI_PORT=7200

            export SWIFTASGI_ACCESS_LOG = 0
            REDIS_URL='redis://h:1/2 # kept'
            GREETING="a \\"b\\"\\nc"
            PLAIN=value # a comment
            EMPTY=
            """)
        #expect(parsed.map(\.name) == ["SWIFTASGI_PORT", "SWIFTASGI_ACCESS_LOG", "REDIS_URL", "GREETING", "PLAIN", "EMPTY"])
        #expect(parsed.map(\.value) == ["7200", "0", "redis://h:1/2 # kept", "a \"b\"\nc", "value", ""])
        for bad in ["JUST_A_NAME", "1ABC=x", "A-B=x", "Q=\"open", "Q='open"] {
            #expect(throws: EnvironmentFileError.self, "\(bad)") { try EnvironmentFile.parse("OK=1\n" + bad) }
        }
        do {
            _ = try EnvironmentFile.parse("OK=1\nbad line")
        } catch let error as EnvironmentFileError {
            #expect(error.line == 2)
        }
        #expect(throws: EnvironmentFileError.self) { try EnvironmentFile.read("/nonexistent/env") }
    }

    /// The file fills what the environment leaves unset; the command line wins over both.
    @Test func anEnvironmentFileLosesToTheEnvironmentAndTheCommandLine() throws {
        let path = "/tmp/swiftasgi-env-\(getpid())"
        let text = "SWIFTASGI_TIMEOUT_SEND=11\nSWIFTASGI_BACKLOG=77\nSWIFTASGI_PORT=7300\nSWIFTASGI_TEST_ONLY_VALUE=from-file\n"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        defer { unlink(path) }
        setenv("SWIFTASGI_BACKLOG", "99", 1)
        defer {
            for name in ["SWIFTASGI_BACKLOG", "SWIFTASGI_TIMEOUT_SEND", "SWIFTASGI_PORT", "SWIFTASGI_TEST_ONLY_VALUE"] { unsetenv(name) }
        }
        let commandLine = ["--port", "7400", "--env-file", path]
        #expect(try ServerOptions.loadEnvironmentFile(arguments: commandLine) == path)
        let options = try ServerOptions.parse(
            try ServerOptions.environmentArguments(ServerOptions.processEnvironment()) + commandLine)
        #expect(options.timeoutSend == 11, "from the file")
        #expect(options.backlog == 99, "the environment wins over the file")
        #expect(options.port == 7400, "the command line wins over both")
        #expect(options.envFile == path)
        #expect(ServerOptions.processEnvironment()["SWIFTASGI_TEST_ONLY_VALUE"] == "from-file", "other variables reach the application")
        #expect(try ServerOptions.loadEnvironmentFile(arguments: ["--port", "1"]) == nil)
    }
}
