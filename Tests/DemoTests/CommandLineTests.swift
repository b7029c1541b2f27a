import Foundation
import Testing

extension DemoProcessSuites {
    /// The uvicorn-style command line: --help, bad values, a port already taken, a unix socket, --env-file.
    @Suite("asgi-demo command line")
    struct CommandLineTests {
        static let documentedFlags = [
            "--host", "--port", "--uds", "--timeout-keep-alive", "--timeout-header",
            "--timeout-graceful-shutdown", "--max-header-size", "--log-level",
            "--access-log", "--no-access-log",
        ]

        @Test("--help exits 0 and lists the documented flags")
        func help() throws {
            let result = try runCommand(DemoEnvironment.binary, ["--help"], timeout: .seconds(30))
            #expect(result.status == 0)
            for flag in Self.documentedFlags {
                #expect(result.text.contains(flag), "--help does not mention \(flag)")
            }
        }

        @Test(
            "a bad flag value exits non-zero with one clear error line",
            arguments: [
                (["--port", "abc"], "--port"),
                (["--port", "70000"], "--port"),
                (["--timeout-header=-1"], "--timeout-header"),
                (["--timeout-header", "-1"], "--timeout-header"),
                (["--max-header-size", "10"], "--max-header-size"),
                (["--log-level", "loud"], "--log-level"),
                (["--no-such-flag"], "--no-such-flag"),
            ])
        func badValue(arguments: [String], flag: String) throws {
            let result = try runCommand(DemoEnvironment.binary, arguments, timeout: .seconds(30))
            #expect(result.status != nil, "asgi-demo \(arguments) did not exit by itself (or crashed)")
            #expect(result.status != 0, "asgi-demo \(arguments) exited 0")
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errors.count == 1, "stderr:\n\(result.stderr)")
            #expect(errors.first?.contains(flag) == true, "the error does not name \(flag): \(result.stderr)")
            #expect(!result.stderr.contains("running on"), "it started serving")
        }

        @Test("a port already in use: non-zero exit and an error that says so")
        func portInUse() throws {
            try withDemo { first throws in
                let port = try #require(first.port)
                let result = try runCommand(DemoEnvironment.binary, ["--port", "\(port)"], timeout: .seconds(30))
                #expect(result.status != nil && result.status != 0, "second server on \(port): \(result.stderr)")
                #expect(
                    result.stderr.lowercased().contains("in use") || result.stderr.contains("EADDRINUSE"),
                    "stderr:\n\(result.stderr)")
                #expect(try first.request("/").status == 200, "the first server stopped answering")
            }
        }

        @Test("--uds serves on a unix socket (curl --unix-socket) and removes it on exit")
        func unixSocket() throws {
            let directory = try DemoEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("demo.sock").path
            try withDemo(unixSocket: path) { server throws in
                #expect(server.log.contains("unix:\(path)") || server.log.contains(path), "start-up line: \(server.log)")
                let response = try server.request("/")
                #expect(response.status == 200)
                #expect(response.text == "Hello, ASGI!")
            }
            #expect(!FileManager.default.fileExists(atPath: path), "the socket file is left behind")
        }

        @Test("--no-access-log silences per-request lines; the default logs them")
        func accessLog() throws {
            try withDemo { server throws in
                _ = try server.request("/")
                #expect(server.child.stderr.wait(timeout: .seconds(5)) { $0.contains("\"GET / HTTP/1.1\" 200") }, "log:\n\(server.log)")
            }
            let quiet = try DemoServer(["--no-access-log"])
            #expect(try quiet.request("/").status == 200)
            #expect(try quiet.request("/no/such/path").status == 404)
            #expect(quiet.terminate() == 0)
            #expect(!quiet.log.contains("GET /"), "log:\n\(quiet.log)")
        }

        @Test("--access-log-format with %(a)s and %(f)s prints the user agent and the referer")
        func accessLogAgentAndReferer() throws {
            let server = try DemoServer(["--access-log-format", "%(s)s agent=%(a)s referer=%(f)s"])
            #expect(try server.request("/", ["-A", "tester/1", "-e", "http://ref.example/"]).status == 200)
            #expect(try server.request("/", ["-A", ""]).status == 200)
            let logged = server.child.stderr.wait(timeout: .seconds(5)) {
                $0.contains("200 agent=tester/1 referer=http://ref.example/") && $0.contains("200 agent=- referer=-")
            }
            #expect(logged, "log:\n\(server.log)")
            #expect(server.terminate() == 0)
        }

        @Test("--env-file: its variables configure the server, the command line wins; a bad file is a clear error")
        func environmentFile() throws {
            let directory = try DemoEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("demo.env").path
            try Data(
                """
                # the demo's settings
                SWIFTASGI_ACCESS_LOG=0
                SWIFTASGI_HEADER="x-from-env-file: yes"
                """.utf8
            ).write(to: URL(fileURLWithPath: path))
            let server = try DemoServer(["--env-file", path])
            let response = try server.request("/")
            #expect(response.status == 200)
            #expect(response.header("x-from-env-file") == "yes")
            #expect(server.terminate() == 0)
            #expect(!server.log.contains("GET /"), "SWIFTASGI_ACCESS_LOG=0 from the file: log:\n\(server.log)")
            // The command line wins over the file.
            let logging = try DemoServer(["--env-file", path, "--access-log"])
            #expect(try logging.request("/").status == 200)
            #expect(logging.child.stderr.wait(timeout: .seconds(5)) { $0.contains("\"GET / HTTP/1.1\" 200") }, "log:\n\(logging.log)")
            #expect(logging.terminate() == 0)

            try Data("SWIFTASGI_PORT=1\nnot an assignment\n".utf8).write(to: URL(fileURLWithPath: path))
            let bad = try runCommand(DemoEnvironment.binary, ["--env-file", path], timeout: .seconds(30))
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("--env-file \(path):2"), "stderr:\n\(bad.stderr)")
            let missing = try runCommand(DemoEnvironment.binary, ["--env-file", path + ".missing"], timeout: .seconds(30))
            #expect(missing.status == 64)
            #expect(missing.stderr.contains("--env-file"), "stderr:\n\(missing.stderr)")
        }
    }
}
