// Blocking loopback TCP helpers: connect with timeouts, free ports, readiness polling, and an
// HTTP/1.1 client that reads one response at a time (Content-Length, chunked, or until EOF).
import Foundation
import Glibc

enum TCP {
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }

    static func setTimeouts(_ fd: Int32, seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size)
    }

    static var lastError: String { String(cString: strerror(errno)) }

    /// A connected socket to 127.0.0.1:port with send/receive timeouts.
    static func connect(port: UInt16, timeout: Double) -> Result<Int32, BenchError> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(BenchError("socket: \(lastError)")) }
        setTimeouts(fd, seconds: timeout)
        var address = loopback(port: port)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let error = BenchError("connect 127.0.0.1:\(port): \(lastError)")
            close(fd)
            return .failure(error)
        }
        return .success(fd)
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// A port the kernel reports free on 127.0.0.1 (bind to port 0, read it back, close).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(lastError)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, size) == 0 && getsockname(fd, pointer, &size) == 0
            }
        }
        guard bound else { throw BenchError("cannot find a free port: \(lastError)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Polls until 127.0.0.1:port accepts a connection, the process exits, or `timeout` passes.
    static func waitUntilListening(port: UInt16, pid: pid_t, timeout: Double = 10) -> BenchError? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !ProcFS.isRunning(pid) { return BenchError("exited before listening on port \(port)") }
            if case .success(let fd) = connect(port: port, timeout: 0.5) {
                close(fd)
                return nil
            }
            usleep(50_000)
        }
        return BenchError("not listening on port \(port) after \(Int(timeout)) s")
    }
}

/// Buffered reads from a blocking socket (timeouts come from SO_RCVTIMEO).
struct SocketReader {
    let fd: Int32
    var buffer: [UInt8] = []
    private(set) var atEOF = false

    init(fd: Int32) { self.fd = fd }

    /// Reads more bytes; false on EOF, error or timeout (`failure` says which).
    mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { atEOF = true }
            return false
        }
    }

    var failure: String { atEOF ? "connection closed" : (errno == EAGAIN ? "timeout" : TCP.lastError) }

    /// Index just past the first occurrence of `pattern` at or after `from`.
    func find(_ pattern: [UInt8], from: Int = 0) -> Int? { Self.findIn(buffer, pattern, from: from) }
}

struct HTTPResponse: Sendable {
    let status: Int
    /// The body as received (after chunked decoding).
    let bytes: [UInt8]

    var body: String { String(decoding: bytes, as: UTF8.self) }
}

enum HTTPClient {
    static let crlf: [UInt8] = [13, 10]
    static let headerEnd: [UInt8] = [13, 10, 13, 10]

    static func request(path: String, host: String) -> [UInt8] {
        Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
    }

    /// One GET on a fresh connection, closed afterwards.
    static func get(port: UInt16, path: String, timeout: Double = 5) -> Result<HTTPResponse, BenchError> {
        switch TCP.connect(port: port, timeout: timeout) {
        case .failure(let error): return .failure(error)
        case .success(let fd):
            defer { close(fd) }
            guard TCP.sendAll(fd, request(path: path, host: "127.0.0.1:\(port)")) else {
                return .failure(BenchError("send to port \(port): \(TCP.lastError)"))
            }
            var reader = SocketReader(fd: fd)
            return readResponse(&reader)
        }
    }

    /// Reads one response (Content-Length, chunked, or until EOF) and removes it from the buffer.
    static func readResponse(_ reader: inout SocketReader) -> Result<HTTPResponse, BenchError> {
        var headEnd = reader.find(headerEnd)
        while headEnd == nil {
            guard reader.fill() else { return .failure(BenchError("reading response head: \(reader.failure)")) }
            headEnd = reader.find(headerEnd)
        }
        let head = String(decoding: reader.buffer[0..<headEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            return .failure(BenchError("not an HTTP response: \(lines.first ?? "")"))
        }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding" && value.contains("chunked") { chunked = true }
        }
        let start = headEnd!
        var body: [UInt8]
        if chunked {
            var decoded: (body: [UInt8], end: Int)?
            while true {
                decoded = decodeChunked(reader.buffer, from: start)
                if decoded != nil { break }
                guard reader.fill() else { return .failure(BenchError("reading chunked body: \(reader.failure)")) }
            }
            body = decoded!.body
            reader.buffer.removeFirst(decoded!.end)
        } else if let length {
            while reader.buffer.count < start + length {
                guard reader.fill() else { return .failure(BenchError("reading body: \(reader.failure)")) }
            }
            body = Array(reader.buffer[start..<(start + length)])
            reader.buffer.removeFirst(start + length)
        } else if status < 200 || status == 204 || status == 304 {
            body = []
            reader.buffer.removeFirst(start)
        } else {
            while reader.fill() {}
            body = Array(reader.buffer[start...])
            reader.buffer.removeAll()
        }
        return .success(HTTPResponse(status: status, bytes: body))
    }

    /// The decoded body and the index past its end, or nil if incomplete.
    static func decodeChunked(_ bytes: [UInt8], from start: Int) -> (body: [UInt8], end: Int)? {
        var body: [UInt8] = []
        var position = start
        while true {
            guard let lineEnd = SocketReader.findIn(bytes, crlf, from: position) else { return nil }
            let sizeText = String(decoding: bytes[position..<(lineEnd - 2)], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else { return nil }
            if size == 0 {
                // skip trailers up to the empty line
                var cursor = lineEnd
                while true {
                    guard let next = SocketReader.findIn(bytes, crlf, from: cursor) else { return nil }
                    if next - cursor == 2 { return (body, next) }
                    cursor = next
                }
            }
            guard bytes.count >= lineEnd + size + 2 else { return nil }
            body += bytes[lineEnd..<(lineEnd + size)]
            position = lineEnd + size + 2
        }
    }
}

extension SocketReader {
    static func findIn(_ bytes: [UInt8], _ pattern: [UInt8], from: Int) -> Int? {
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return nil }
        var i = max(from, 0)
        while i + pattern.count <= bytes.count {
            var j = 0
            while j < pattern.count && bytes[i + j] == pattern[j] { j += 1 }
            if j == pattern.count { return i + pattern.count }
            i += 1
        }
        return nil
    }
}
