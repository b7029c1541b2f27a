import ASGI
import ASGIServer
import Foundation
import Glibc
import Synchronization
import Testing
import UVLoop

/// Concurrent use of one request's `receive`/`send`, and servers released while application
/// tasks still wait on other threads.
@Suite struct LifetimeTests {
    @Test func secondConcurrentReceiveIsAnErrorNotAHang() async throws {
        let outcomes = AsyncBox<[String]>()
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            // Two tasks wait in receive() at once; the body arrives later.
            async let first = Self.describe { try await receive() }
            try await Task.sleep(for: .milliseconds(50))
            async let second = Self.describe { try await receive() }
            let results = await [first, second]
            outcomes.set(results)
            try await send(.responseStart(status: 200, headers: []))
            try await send(.responseBody(Array(results.joined(separator: "|").utf8)))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await blocking { () -> TestResponse in
                let client = try TestClient(port: port)
                try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n")
                usleep(300_000)
                try client.send("hi")
                return try client.readResponse()
            }
            let results = await outcomes.value()
            #expect(response.status == 200)
            #expect(results.filter { $0 == "body hi" }.count == 1, "\(results)")
            #expect(results.filter { $0.contains("another receive()") }.count == 1, "\(results)")
        }
    }

    private static func describe(_ call: @Sendable () async throws -> ReceiveEvent) async -> String {
        do {
            if case .request(let body, _) = try await call() { return "body " + String(decoding: body, as: UTF8.self) }
            return "other"
        } catch {
            return "\(error)"
        }
    }

    @Test func receiveAndSendLeakedIntoATaskFailCleanlyAfterTheResponse() async throws {
        let leaked = AsyncBox<String>()
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            try await Apps.hello(scope, receive, send)
            Task {
                try await Task.sleep(for: .milliseconds(50))
                let event = try await receive()
                do {
                    try await send(.responseBody(Array("late".utf8)))
                    leaked.set("send accepted")
                } catch {
                    leaked.set("\(event.type) / \(error is ASGIError ? "send threw" : "\(error)")")
                }
            }
        }
        try await withServer(app: app) { server in
            let response = try await roundTrip(port: server.port, get("/"))
            #expect(response.status == 200)
            #expect(await leaked.value() == "http.disconnect / send threw")
        }
    }

    /// Starts and releases servers without a shutdown while a request waits on a thread of its
    /// own; that thread resumes the request after the server is gone. Nothing may crash (run it
    /// under ASan/TSan too) and each released server's loop thread must end by itself.
    @Test func serversReleasedWithBlockingWorkInFlight() async throws {
        let rounds = getenv("SWIFTASGI_RELEASE_ROUNDS").flatMap { Int(String(cString: $0)) } ?? 1000
        let threadsBefore = Self.threadCount()
        let resumed = Atomic<Int>(0)
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            await Self.onAnotherThread(afterMicroseconds: 2_000)
            resumed.add(1, ordering: .relaxed)
            try? await Apps.hello(scope, receive, send)
        }
        var config = ServerConfig()
        config.port = 0
        config.accessLog = false
        config.logger.logLevel = .critical
        config.timeoutGracefulShutdown = 0
        for _ in 0..<rounds {
            let server = try await Server.start(config: config, app: app)
            let client = try TestClient(port: server.port)
            try client.send(get("/"))
            // Released with the request in flight (no shutdown call).
            _ = server
        }
        // The last threads resume their requests on closed loops: that must be harmless, and every
        // released server's loop thread ends by itself.
        let deadline = ContinuousClock.now + .seconds(20)
        while Self.threadCount() > threadsBefore + 16, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(Self.threadCount() <= threadsBefore + 16, "loop threads of released servers must end")
        #expect(resumed.load(ordering: .relaxed) <= rounds)
        try await withServer(app: Apps.hello) { server in
            let response = try await roundTrip(port: server.port, get("/"))
            #expect(response.status == 200)
        }
    }

    /// Threads of this process (`Threads:` of /proc/self/status).
    static func threadCount() -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("Threads:") {
                return Int(text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
        }
        return 0
    }

    /// Suspends the caller until a new thread, after `microseconds`, resumes it (like a
    /// blocking pool finishing a job).
    static func onAnotherThread(afterMicroseconds microseconds: UInt32) async {
        _ = try? await blocking { usleep(microseconds) }
    }
}
