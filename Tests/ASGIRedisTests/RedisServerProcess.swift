import Foundation
import Glibc

/// A real `redis-server` on a free loopback port, started by a test and killed at its end.
final class RedisServerProcess: @unchecked Sendable {
    // Safety: a test owns its server and calls it from one task at a time (the test body or the
    // loop task it awaits), never concurrently.
    private(set) var port: Int
    /// The loopback address it binds (any of 127.0.0.0/8).
    let host: String
    let extraArguments: [String]
    private(set) var process: Process?

    /// Starts a server on a fresh port (or `port`, to restart on the same one) and waits until it
    /// answers PING.
    init(port: Int? = nil, host: String = "127.0.0.1", arguments: [String] = []) throws {
        self.port = try port ?? Self.freePort()
        self.host = host
        extraArguments = arguments
        // A free port can be taken by another process between our probe and the server's bind:
        // the server then exits at once, and a fresh port is tried (not when `port` was given).
        var attempts = port == nil ? 5 : 1
        while true {
            do {
                try start()
                return
            } catch let error as ServerExited {
                attempts -= 1
                guard attempts > 0 else { throw TestFailure("\(error)") }
                self.port = try Self.freePort()
            }
        }
    }

    /// The server exited before answering (its port was taken, most often).
    struct ServerExited: Error, CustomStringConvertible {
        let port: Int
        let status: Int32
        var description: String { "redis-server on port \(port) exited with status \(status) before answering" }
    }

    var pid: Int32 { process?.processIdentifier ?? 0 }

    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments =
            [
                "--port", "\(port)", "--bind", host, "--save", "", "--appendonly", "no",
                "--loglevel", "warning",
            ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        try waitUntilAnswering()
    }

    /// Polls (bounded: 10 s) until the server answers PING on its port.
    func waitUntilAnswering() throws {
        for _ in 0..<500 {
            if Self.answersPing(port: port, host: host) { return }
            if let process, !process.isRunning {
                self.process = nil
                throw ServerExited(port: port, status: process.terminationStatus)
            }
            usleep(20_000)
        }
        throw TestFailure("redis-server on port \(port) did not answer within 10 s")
    }

    /// SIGKILL, as a crash would.
    func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func signal(_ signal: Int32) {
        if let process { Glibc.kill(process.processIdentifier, signal) }
    }

    /// The server inherits the blocked signal mask of the test's worker thread (libdispatch blocks
    /// SIGTERM there), so it is stopped with SIGKILL: it keeps no data anyway.
    func stop() { kill() }

    deinit { kill() }

    /// A loopback port nothing listens on right now (bind port 0, read it, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// One blocking PING; any RESP answer (+PONG, -NOAUTH) means the server is up.
    static func answersPing(port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port, host: host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let ping = Array("PING\r\n".utf8)
        guard write(fd, ping, ping.count) == ping.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fd, &buffer, buffer.count)
        return count > 0 && (buffer[0] == UInt8(ascii: "+") || buffer[0] == UInt8(ascii: "-"))
    }

    private static func loopback(port: Int, host: String = "127.0.0.1") -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        return address
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A loopback listener that never accepts, with its accept queue filled, so new connects hang.
final class FullListener: @unchecked Sendable {
    // Safety: immutable after init; the descriptors are closed in deinit.
    let port: Int
    private let listener: Int32
    private var fillers: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 0) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard ok else { throw TestFailure("listener setup failed") }
        port = Int(UInt16(bigEndian: address.sin_port))
        // Fill the accept queue (backlog 0 holds one; a few more SYNs are dropped or pending).
        for _ in 0..<4 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            fillers.append(fd)
        }
        usleep(50_000)
    }

    deinit {
        for fd in fillers { close(fd) }
        close(listener)
    }
}
