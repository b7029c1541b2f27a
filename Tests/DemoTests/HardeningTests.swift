import Foundation
import Glibc
import Testing

extension DemoProcessSuites {
    /// The built asgi-demo under resource pressure and misuse: a low open-file limit, a `--uds` path
    /// that is not a socket, a full blocking pool, a flood of invalid requests.
    @Suite("asgi-demo hardening", .serialized)
    struct HardeningTests {
        @Test("--uds on a regular file: refused with exit 64 and the file left alone")
        func unixSocketPathThatIsAFile() throws {
            let directory = try DemoEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("precious.txt").path
            try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: path))
            let result = try runCommand(DemoEnvironment.binary, ["--uds", path], timeout: .seconds(30))
            #expect(result.status == 64, "stderr:\n\(result.stderr)")
            let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errors.count == 1 && errors[0].contains("not a socket"), "stderr:\n\(result.stderr)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me\n")
        }

        @Test("past the open-file limit: accept fails quietly, and the server serves again once fds are free")
        func openFileLimitExhausted() throws {
            // Hard and soft limit 64: the server cannot raise it, and --limit-max-connections is set
            // above what the descriptors allow, so accept(2) itself hits EMFILE.
            let server = try DemoServer(
                ["--no-access-log", "--limit-max-connections", "1000", "--timeout-keep-alive", "30"],
                launcher: ["prlimit", "--nofile=64:64"])
            defer { _ = server.terminate() }
            let port = try #require(server.port)
            var sockets: [Int32] = []
            defer { for fd in sockets { close(fd) } }
            for _ in 0..<150 {
                if let fd = Self.connect(port: port) { sockets.append(fd) }
            }
            #expect(
                server.child.stderr.wait(timeout: .seconds(10)) { $0.contains("accept failed") },
                "log:\n\(server.log)")
            for fd in sockets { close(fd) }
            sockets = []
            // Back to normal: a new connection is served.
            var served = false
            for _ in 0..<100 where !served {
                served = (try? server.request("/").status) == 200
                if !served { usleep(50_000) }
            }
            #expect(served, "no 200 after the connections closed; log:\n\(server.log)")
            // One line per second at most, not one per refused connection.
            let lines = server.log.split(separator: "\n").filter { $0.contains("accept failed") }.count
            #expect(lines <= 12, "\(lines) accept-failure lines; log:\n\(server.log)")
            #expect(server.child.isRunning)
        }

        @Test("a flood of invalid requests logs at most one info line per second")
        func invalidRequestFlood() throws {
            try withDemo { server throws in
                let port = try #require(server.port)
                for _ in 0..<200 {
                    guard let fd = Self.connect(port: port) else { continue }
                    let bad = Array("GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n".utf8)
                    _ = send(fd, bad, bad.count, Int32(MSG_NOSIGNAL))
                    var buffer = [UInt8](repeating: 0, count: 512)
                    _ = recv(fd, &buffer, buffer.count, 0)
                    close(fd)
                }
                #expect(try server.request("/").status == 200)
                let lines = server.log.split(separator: "\n").filter { $0.contains("Invalid HTTP request") }
                #expect(lines.count >= 1 && lines.count <= 12, "\(lines.count) lines; log:\n\(server.log)")
            }
        }

        /// A blocking TCP connect to the loopback port; nil when refused.
        static func connect(port: Int) -> Int32? {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(fd); return nil }
            return fd
        }
    }
}
