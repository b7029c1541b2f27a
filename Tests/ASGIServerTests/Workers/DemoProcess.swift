import Foundation
import Synchronization

/// The built `asgi-demo`, run as a user would, with its log lines collected for the test.
final class DemoProcess: @unchecked Sendable {
    // Safety: `process` is only started/signalled from the test task; `lines` is guarded.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["ASGI_DEMO_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/asgi-demo").path
    }

    let process = Process()
    private let lines = LineStore()
    private let pipe = Pipe()

    init(_ arguments: [String], environment extra: [String: String] = [:], binary: String = DemoProcess.binary) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFTASGI_DEMO_TEST_ROUTES"] = "1"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // A plain thread reading the pipe to EOF, so the server never blocks on a full stderr.
        let fd = pipe.fileHandleForReading.fileDescriptor
        let lines = self.lines
        let reader = Thread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
                if n <= 0 { break }
                pending += buffer[..<n]
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    lines.lines.withLock { $0.append(line) }
                }
            }
        }
        reader.start()
    }

    var pid: Int32 { process.processIdentifier }
    var log: [String] { lines.lines.withLock { $0 } }

    /// Waits (bounded) until `count` log lines contain `text`; returns those lines.
    @discardableResult
    func waitForLog(_ text: String, count: Int = 1, seconds: Double = 20) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        // The log is looked at once more after the deadline: a test process whose threads were
        // all busy for longer than `seconds` (many suites start at once) must not fail a line
        // that did arrive in time.
        while true {
            let matching = log.filter { $0.contains(text) }
            if matching.count >= count { return matching }
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(100))  // let the last lines arrive
                let final = log.filter { $0.contains(text) }
                if final.count >= count { return final }
                break
            }
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoProcessError("no \(count)× '\(text)' in the log:\n" + log.joined(separator: "\n"))
    }

    /// The port from the supervisor's (or server's) start line.
    func waitForPort() async throws -> Int {
        let line = try await waitForLog("http://127.0.0.1:").first!
        guard let range = line.range(of: "http://127.0.0.1:") else { throw DemoProcessError("no port in \(line)") }
        let digits = line[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)!
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits (bounded) for the process to exit; returns its exit status (or 128+signal).
    func waitForExit(seconds: Double = 40) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard Date() < deadline else {
                process.interrupt()
                kill(pid, SIGKILL)
                throw DemoProcessError("process did not exit within \(seconds) s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Child pids of this process (the workers).
    var children: [Int32] {
        let path = "/proc/\(pid)/task/\(pid)/children"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: " ").compactMap { Int32($0) }
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            for child in children { kill(child, SIGKILL) }
        }
    }
}

final class LineStore: Sendable {
    let lines = Mutex<[String]>([])
    let partial = Mutex("")
}

struct DemoProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One HTTP/1.1 request on a new connection; nil when the connection failed or closed early.
func fetch(port: Int, _ path: String) -> TestResponse? {
    guard let client = try? TestClient(port: port, timeoutSeconds: 10) else { return nil }
    guard (try? client.send("GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")) != nil else { return nil }
    return try? client.readResponse()
}

/// Runs `threads` loops of requests on new connections until `stop` is set; counts outcomes.
final class LoadGenerator: @unchecked Sendable {
    // Safety: counters are atomics; threads only read `stop`.
    let ok = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    private let stopFlag = Atomic<Bool>(false)
    private var threads: [Thread] = []

    init(port: Int, path: String = "/", threads count: Int = 4) {
        for _ in 0..<count {
            let thread = Thread { [self] in
                while !self.stopFlag.load(ordering: .relaxed) {
                    if let response = fetch(port: port, path), response.status == 200 {
                        self.ok.add(1, ordering: .relaxed)
                    } else {
                        self.failed.add(1, ordering: .relaxed)
                    }
                }
            }
            threads.append(thread)
            thread.start()
        }
    }

    /// Stops and waits for every thread's last request.
    func stop() async {
        stopFlag.store(true, ordering: .relaxed)
        while threads.contains(where: { $0.isExecuting }) { try? await Task.sleep(for: .milliseconds(10)) }
    }
}

/// A free loopback port (bound then released).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
