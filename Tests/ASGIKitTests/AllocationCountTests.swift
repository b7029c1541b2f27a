import ASGI
import ASGIServer
import CAllocationCount
import Foundation
import Glibc
import Synchronization
import Testing

@testable import ASGIKit

/// Heap allocations per keep-alive request, counted on the loop thread by the allocation hook of
/// `CAllocationCount` (malloc and its relatives of this process, counted on threads that ask).
/// The application is the demo's `GET /`: the router behind gzip, answering a short text. The
/// count pins today's cost, so a change that adds an allocation per request fails here instead of
/// showing up later as a slower benchmark.
///
/// The figure is a debug build's: the test build is not optimised, so it allocates a little more
/// than the release build does (Benchmarks' `instructions` scenario counts that one: malloc calls
/// per request under callgrind).
@Suite(.serialized) struct AllocationCountTests {
    /// Allocations per request a debug build of today's code makes for the demo's `GET /` (the
    /// release build makes fewer). Lower it when a change removes one; never raise it to let one in.
    static let pinned = 9.0

    @Test(.enabled(if: allocation_count_available() != 0, "a sanitizer build replaces the allocator"))
    func plaintextRequestThroughTheRouterAndGZip() async throws {
        let perRequest = try await Self.allocationsPerRequest(requests: 3000)
        #expect(perRequest > 1, "the loop thread was not counted: \(perRequest)")
        #expect(perRequest <= Self.pinned + 0.25, "\(perRequest) allocations per request, pinned at \(Self.pinned)")
    }

    /// Serves the demo's `GET /`, marks the loop thread counted (a handler runs on it), warms the
    /// connection up, then counts `requests` sequential keep-alive requests on one connection.
    static func allocationsPerRequest(requests: Int) async throws -> Double {
        let loopThread = Mutex<pthread_t?>(nil)
        let router = Router()
        router.get("/") { _ in .text("Hello, ASGI!") }
        router.get("/count-this-thread") { _ in
            allocation_count_this_thread(1)
            loopThread.withLock { $0 = pthread_self() }
            return .text("counted")
        }
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.accessLog = false
        let server = try await Server.start(config: config, app: GZip(minimumSize: 500).middleware(router.application))
        let port = server.port
        let counted = try await onThread { () -> UInt64 in
            let connection = try RawConnection(port: port)
            var reader = ResponseReader()
            try connection.write(Array("GET /count-this-thread HTTP/1.1\r\nHost: bench\r\n\r\n".utf8))
            _ = try reader.next(from: connection)
            let request = Array("GET / HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
            // Warm-up: the connection's buffers, the loop's kept tasks and their stacks.
            for _ in 0..<500 {
                try connection.write(request)
                guard try reader.next(from: connection) == 200 else { throw RawHTTPError(description: "warm-up failed") }
            }
            let before = allocation_count_total()
            for _ in 0..<requests {
                try connection.write(request)
                guard try reader.next(from: connection) == 200 else { throw RawHTTPError(description: "request failed") }
            }
            return allocation_count_total() - before
        }
        #expect(await server.shutdown() == 0)
        #expect(loopThread.withLock { $0 } != nil)
        return Double(counted) / Double(requests)
    }
}

/// Reads content-length framed responses off a keep-alive connection, one at a time.
private struct ResponseReader {
    var buffer: [UInt8] = []

    /// The status of the next whole response.
    mutating func next(from connection: RawConnection) throws -> Int {
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self).lowercased()
                let lines = head.split(separator: "\r\n")
                let length = lines.first { $0.hasPrefix("content-length: ") }.flatMap { Int($0.dropFirst(16)) } ?? 0
                if buffer.count - end.upperBound >= length {
                    buffer.removeSubrange(..<(end.upperBound + length))
                    return lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
                }
            }
            let chunk = try connection.read()
            guard !chunk.isEmpty else { throw RawHTTPError(description: "closed mid-response") }
            buffer += chunk
        }
    }
}
