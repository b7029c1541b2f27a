import Glibc

/// One HTTP/1.1 request over a fresh loopback connection (`connection: close`), read to EOF with a
/// receive timeout, on a thread of its own so that blocking never holds the cooperative pool.
enum RawHTTP {
    struct Response: Sendable {
        let status: Int
        let body: String
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func get(port: Int, _ path: String, timeoutSeconds: Int = 10) async throws -> Response {
        try await onThread {
            let fd = try connect(port: port)
            defer { close(fd) }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request = Array("GET \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".utf8)
            let sent = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == request.count else { throw Failure(description: "send: \(errno)") }
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { break }
                guard n > 0 else {
                    throw Failure(description: "recv: \(errno == EAGAIN ? "timed out" : String(errno))")
                }
                all += buffer[..<n]
            }
            let headEnd = all.indices.dropLast(3).first { all[$0..<$0 + 4].elementsEqual("\r\n\r\n".utf8) }
            let head = String(decoding: all[..<(headEnd ?? all.endIndex)], as: UTF8.self)
            guard let headEnd, head.hasPrefix("HTTP/1.1 "), let status = Int(head.dropFirst(9).prefix(3)) else {
                throw Failure(description: "not an HTTP response: \(String(decoding: all, as: UTF8.self))")
            }
            return Response(status: status, body: String(decoding: all[(headEnd + 4)...], as: UTF8.self))
        }
    }

    /// Whether a TCP connect to the port is refused (nothing listens).
    static func isRefused(port: Int) -> Bool {
        do {
            close(try connect(port: port))
            return false
        } catch {
            return true
        }
    }

    private static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "connect: \(code)")
        }
        return fd
    }

    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let box = Unmanaged.passRetained(Work { continuation.resume(with: Result { try work() }) }).toOpaque()
            var thread = pthread_t()
            pthread_create(
                &thread, nil,
                { context in
                    Unmanaged<Work>.fromOpaque(context!).takeRetainedValue().run()
                    return nil
                }, box)
            pthread_detach(thread)
        }
    }

    private final class Work: @unchecked Sendable {
        // Safety: an immutable closure, run once on the thread it is handed to.
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
