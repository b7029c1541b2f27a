import Foundation
import Glibc
import Testing

extension DemoProcessSuites {
    /// `asgi-demo --static-dir`: StaticFiles served through `http.response.pathsend` (sendfile), checked
    /// from outside with raw sockets (scripts/e2e/static_files.py) and curl.
    @Suite("asgi-demo --static-dir", .serialized)
    struct StaticFilesTests {
        /// A fresh folder pair: `root` is served, `outside/secret.txt` sits next to it and must never leak.
        private static func folders() throws -> (base: URL, root: String, secret: String) {
            let base = try DemoEnvironment.temporaryDirectory()
            let root = base.appendingPathComponent("root")
            let outside = base.appendingPathComponent("outside")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            let secret = outside.appendingPathComponent("secret.txt")
            try Data("TOP-SECRET-\(UUID().uuidString)".utf8).write(to: secret)
            return (base, root.path, secret.path)
        }

        private static let script = DemoEnvironment.packageRoot.appendingPathComponent("scripts/e2e/static_files.py").path

        private func run(_ group: String, extra: [String] = [], serverFlags: [String] = [], minimumChecks: Int) throws {
            let (base, root, secret) = try Self.folders()
            defer { try? FileManager.default.removeItem(at: base) }
            try withDemo(["--static-dir", root] + serverFlags) { server throws in
                let result = try runCommand(
                    "python3", [Self.script, group, "127.0.0.1", "\(server.port ?? 0)", root, secret] + extra,
                    timeout: .seconds(120))
                let report = try DemoServer.json(lastLineOf: result)
                let failures = report["failures"] as? [String] ?? ["no report"]
                #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
                #expect((report["checked"] as? Int ?? 0) >= minimumChecks)
                #expect(try server.request("/healthz").text == "ok")
            }
        }

        @Test("0 B, 1 B and 64 KiB files byte-exact, HEAD with the length, content types by extension, POST 405")
        func files() throws { try run("files", minimumChecks: 16) }

        @Test("ETag and Last-Modified; If-None-Match (weak, lists, *) and If-Modified-Since answer 304")
        func conditional() throws { try run("conditional", minimumChecks: 11) }

        @Test("Range: first, last, middle, suffix bytes → 206; past the end → 416; multi-range and bad syntax → 200 whole; If-Range")
        func ranges() throws { try run("range", minimumChecks: 15) }

        @Test("html: index.html for a folder, 307 to the slash, 404.html for a missing file, no listing")
        func html() throws { try run("html", minimumChecks: 4) }

        @Test("50 traversal payloads (encoded, double-encoded, backslashes, NUL, overlong UTF-8, symlink escape) all 404, nothing outside read")
        func traversal() throws { try run("traversal", minimumChecks: 50) }

        @Test("a client that stops reading mid-file is closed after --timeout-send; others are served meanwhile")
        func slowReader() throws {
            try run("slow-reader", extra: ["15", "3"], serverFlags: ["--timeout-send", "2"], minimumChecks: 2)
        }

        @Test("a file cut short while it is sent: truncated body, connection closed, server fine")
        func shrinkingFile() throws { try run("shrink", minimumChecks: 2) }

        @Test("100 MiB byte-exact through sendfile, and the server's RSS does not grow by the file size; a file deleted mid-send still arrives whole")
        func hundredMebibytes() throws {
            let (base, root, _) = try Self.folders()
            defer { try? FileManager.default.removeItem(at: base) }
            let path = root + "/big.bin"
            let size = 100 << 20
            #expect(try runCommand("bash", ["-c", "head -c \(size) /dev/urandom > '\(path)'"]).succeeded)
            let expected = try runCommand("sha256sum", [path]).text.prefix(64)
            try withDemo(["--static-dir", root]) { server throws in
                let before = try Self.residentBytes(server.child.pid)
                let sum = try runCommand(
                    "bash", ["-c", "curl -sS --max-time 60 '\(server.url("/static/big.bin"))' | sha256sum"], timeout: .seconds(90))
                #expect(sum.text.prefix(64) == expected, "the 100 MiB body differs")
                let after = try Self.residentBytes(server.child.pid)
                #expect(after - before < 20 << 20, "RSS grew by \(after - before) bytes for a 100 MiB file")

                // Deleted while it is being sent: the open descriptor still reads the whole file.
                let download = base.appendingPathComponent("download.bin").path
                let slow = try ChildProcess("curl", ["-sS", "--limit-rate", "20M", "-o", download, server.url("/static/big.bin")])
                usleep(300_000)
                try FileManager.default.removeItem(atPath: path)
                #expect(slow.waitForExit(timeout: .seconds(60)) == 0)
                #expect(try runCommand("sha256sum", [download]).text.prefix(64) == expected)
                #expect(try server.request("/static/big.bin").statusLine.contains("404"))
            }
        }

        private static func residentBytes(_ pid: Int32) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
            return (Int(line.split(separator: " ")[1]) ?? 0) * 1024
        }
    }
}
