// Minimal Redis client (RESP over a blocking loopback socket) for PING and INFO stats.
import Foundation
import Glibc

/// Just enough RESP for PING and INFO.
enum RedisClient {
    static func encode(_ args: [String]) -> [UInt8] {
        var text = "*\(args.count)\r\n"
        for arg in args { text += "$\(arg.utf8.count)\r\n\(arg)\r\n" }
        return Array(text.utf8)
    }

    /// Sends one command and returns a simple-string, integer or bulk-string reply.
    static func command(port: UInt16, _ args: [String], timeout: Double = 2) -> Result<String, BenchError> {
        switch TCP.connect(port: port, timeout: timeout) {
        case .failure(let error): return .failure(error)
        case .success(let fd):
            defer { close(fd) }
            guard TCP.sendAll(fd, encode(args)) else { return .failure(BenchError("send to redis: \(TCP.lastError)")) }
            var reader = SocketReader(fd: fd)
            var lineEnd = reader.find(HTTPClient.crlf)
            while lineEnd == nil {
                guard reader.fill() else { return .failure(BenchError("redis reply: \(reader.failure)")) }
                lineEnd = reader.find(HTTPClient.crlf)
            }
            let line = String(decoding: reader.buffer[1..<(lineEnd! - 2)], as: UTF8.self)
            switch reader.buffer[0] {
            case UInt8(ascii: "+"), UInt8(ascii: ":"): return .success(line)
            case UInt8(ascii: "$"):
                guard let size = Int(line), size >= 0 else { return .success("") }
                while reader.buffer.count < lineEnd! + size {
                    guard reader.fill() else { return .failure(BenchError("redis reply: \(reader.failure)")) }
                }
                return .success(String(decoding: reader.buffer[lineEnd!..<(lineEnd! + size)], as: UTF8.self))
            default: return .failure(BenchError("redis error: \(line)"))
            }
        }
    }

    /// Integer fields of INFO stats.
    static func stats(port: UInt16) -> [String: Int]? {
        guard case .success(let text) = command(port: port, ["INFO", "stats"]) else { return nil }
        var out: [String: Int] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                out[String(parts[0])] = value
            }
        }
        return out
    }

    /// Size of the INFO stats request, which Redis counts in its own input bytes.
    static let infoRequestBytes = encode(["INFO", "stats"]).count

    static func waitUntilReady(port: UInt16, pid: pid_t, timeout: Double = 10) -> BenchError? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !ProcFS.isRunning(pid) { return BenchError("redis-server exited (see its log)") }
            if case .success("PONG") = command(port: port, ["PING"], timeout: 0.5) { return nil }
            usleep(50_000)
        }
        return BenchError("redis-server did not answer PING after \(Int(timeout)) s")
    }
}
