import ASGI
import ASGIServer
import Testing

@testable import ASGIKit

/// A handler that hands its request to an unstructured task: after the handler returned, the task
/// reads an error instead of the connection, and nothing traps (the router used to run handlers
/// under `withoutActuallyEscaping`, which traps when `receive` outlives the call).
@Suite struct LeakedRequestTests {
    @Test func requestUsedAfterTheHandlerReturnedFailsCleanly() async throws {
        let outcome = Locked<String?>(nil)
        let router = Router()
        router.post("/leak") { request in
            // Swift 6 refuses to send a Request into a task; code that gets around it (as this box
            // does) must still not bring the worker down.
            let smuggled = Smuggled(request)
            Task { @Sendable in
                do {  // waits in receive() while the handler returns
                    let body = try await smuggled.request.body()
                    outcome.withLock { $0 = "read \(body.count) bytes" }
                } catch {
                    outcome.withLock { $0 = "failed: \(error)" }
                }
            }
            return .text("answered before reading")
        }
        router.get("/") { _ in .text("still here") }
        let server = try await LiveServerTests.start(router)
        let port = server.port
        // The head promises a body that never comes: the task is suspended in receive() when the
        // handler returns and the response goes out.
        let first = try await onThread { () -> RawHTTPResponse in
            let connection = try RawConnection(port: port)
            try connection.write(Array("POST /leak HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\n".utf8))
            return try RawConnection.parse(try connection.readToEnd())
        }
        #expect(first.status == 200)
        let deadline = ContinuousClock.now + .seconds(10)
        while outcome.withLock({ $0 }) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let result = outcome.withLock { $0 }
        #expect(result?.hasPrefix("failed:") == true, "\(result ?? "the task never finished")")
        #expect(try await fetch(port: port, "/").text == "still here")
        #expect(await server.shutdown() == 0)
    }
}

/// Carries a request past the compiler's sendability check, as careless user code could.
private final class Smuggled: @unchecked Sendable {
    // Safety: not safe in general; this test checks that such misuse fails cleanly.
    let request: Request
    init(_ request: Request) { self.request = request }
}
