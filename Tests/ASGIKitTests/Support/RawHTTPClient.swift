import Foundation
import Glibc

/// A blocking HTTP/1.1 client over a plain socket, for live tests. Each call runs on a thread of
/// its own (``onThread(_:)``) so that a hundred waiting clients never starve the test's tasks.
struct RawHTTPResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

struct RawHTTPError: Error, CustomStringConvertible {
    let description: String
}

final class RawConnection {
    let fd: Int32

    init(port: Int, timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTPError(description: "socket failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: the object is fully initialized, so deinit runs and closes fd (closing it
        // twice could close a descriptor another test opened in between).
        guard result == 0 else {
            throw RawHTTPError(description: "connect failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw RawHTTPError(description: "send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Some bytes, or empty at end of stream.
    func read() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { throw RawHTTPError(description: "recv failed: errno \(errno)") }
        return Array(buffer[..<n])
    }

    func readToEnd(after prefix: [UInt8] = []) throws -> [UInt8] {
        var all = prefix
        while true {
            let chunk = try read()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    static func request(
        method: String, path: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { head += "content-length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    /// Parses a complete response read to the end of the connection (content-length or chunked).
    static func parse(_ raw: [UInt8], head: Bool = false) throws -> RawHTTPResponse {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = raw.firstRange(of: separator) else { throw RawHTTPError(description: "no complete head") }
        let lines = String(decoding: raw[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1])!
        let headers = lines.dropFirst().map { line -> (String, String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = Array(raw[end.upperBound...])
        let response = RawHTTPResponse(status: status, headers: headers, body: [])
        if response.header("transfer-encoding")?.lowercased() == "chunked" { body = try dechunk(body) }
        return RawHTTPResponse(status: status, headers: headers, body: body)
    }

    static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var rest = bytes[...]
        let crlf = Array("\r\n".utf8)
        while true {
            guard let lineEnd = rest.firstRange(of: crlf) else { throw RawHTTPError(description: "bad chunk") }
            let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16)!
            rest = rest[lineEnd.upperBound...]
            if size == 0 { return out }
            out += rest.prefix(size)
            rest = rest.dropFirst(size + 2)
        }
    }
}

/// One request on a fresh connection, on a thread of its own.
func fetch(
    port: Int, _ path: String, method: String = "GET", headers: [(String, String)] = [], body: [UInt8] = []
) async throws -> RawHTTPResponse {
    try await onThread {
        let connection = try RawConnection(port: port)
        try connection.write(RawConnection.request(method: method, path: path, headers: headers, body: body))
        return try RawConnection.parse(try connection.readToEnd())
    }
}

/// Runs blocking `work` on a new thread and awaits its result.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 256 * 1024
        thread.start()
    }
}
