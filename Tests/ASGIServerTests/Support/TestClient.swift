import Glibc

/// A blocking TCP client for live tests: exact bytes out, raw bytes back, with a receive timeout
/// so a broken server fails a test instead of hanging it.
final class TestClient: @unchecked Sendable {
    // Safety: a socket fd; tests use one reader and one writer thread at most.
    let fd: Int32

    init(port: Int, host: String = "127.0.0.1", timeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestClientError("socket: \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: the object is fully initialized, so deinit runs and closes fd (closing it
        // twice could close a descriptor another test opened in between).
        guard result == 0 else { throw TestClientError("connect: \(errno)") }
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestClientError("send: \(errno)") }
            offset += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Half-closes the sending side.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads whatever arrives next (at most `max` bytes); empty at EOF.
    func readSome(max: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        if n < 0 {
            if errno == ECONNRESET { return [] }
            throw TestClientError("recv: \(errno == EAGAIN ? "timed out" : String(errno))")
        }
        return Array(buffer[..<n])
    }

    /// Reads until EOF.
    func readToEnd() throws -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = try readSome()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    /// True when the server closed the connection (EOF or reset) within the receive timeout.
    func isClosedByPeer() -> Bool {
        guard let chunk = try? readSome() else { return false }
        return chunk.isEmpty
    }

    /// Reads one complete response (content-length, chunked, or until close).
    func readResponse(head isHeadRequest: Bool = false) throws -> TestResponse {
        var parser = ResponseReader(isHeadRequest: isHeadRequest)
        while true {
            if let response = try parser.next() { return response }
            let chunk = try readSome()
            if chunk.isEmpty {
                if let response = try parser.finish() { return response }
                throw TestClientError("connection closed before a complete response")
            }
            parser.buffer += chunk
        }
    }

    /// Reads `count` responses (pipelining).
    func readResponses(_ count: Int) throws -> [TestResponse] {
        var parser = ResponseReader(isHeadRequest: false)
        var responses: [TestResponse] = []
        while responses.count < count {
            if let response = try parser.next() { responses.append(response); continue }
            let chunk = try readSome()
            if chunk.isEmpty { throw TestClientError("closed after \(responses.count) responses") }
            parser.buffer += chunk
        }
        return responses
    }
}

struct TestClientError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
