import ASGI
import ASGIServer
import Synchronization
import Testing

/// The application runs on tasks the loop keeps between requests: more requests at once than
/// tasks may wait, a task the application cancelled, and the lifespan state copied per request.
@Suite(.serialized) struct RequestTasksTests {
    /// Holds every request until `count` of them are in the application at once.
    final class Barrier: Sendable {
        let count: Int
        private let state = Mutex<(arrived: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))
        init(count: Int) { self.count = count }

        func arriveAndWait() async {
            await withCheckedContinuation { continuation in
                let release: [CheckedContinuation<Void, Never>] = state.withLock { state in
                    state.arrived += 1
                    state.waiters.append(continuation)
                    guard state.arrived % count == 0 else { return [] }
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in release { waiter.resume() }
            }
        }
    }

    @Test func moreRequestsAtOnceThanWaitingTasksAreAllServedTwice() async throws {
        // 150 requests in the application at once (more than the 64 tasks a loop keeps), twice:
        // the second round runs on the tasks kept from the first and the new ones it needs.
        let clients = 150
        let barrier = Barrier(count: clients)
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            await barrier.arriveAndWait()
            try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
            try await send(.responseBody(Array(scope.path.utf8)))
        }
        try await withServer(app: app) { server in
            let port = server.port
            for round in 0..<2 {
                let texts = try await withThrowingTaskGroup(of: String.self) { group in
                    for i in 0..<clients {
                        group.addTask { try await roundTrip(port: port, get("/r\(round)-\(i)")).text }
                    }
                    return try await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(Set(texts) == Set((0..<clients).map { "/r\(round)-\($0)" }))
            }
        }
    }

    @Test func aTaskTheApplicationCancelledDoesNotServeLaterRequestsCancelled() async throws {
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            let cancelledAtStart = Task.isCancelled
            if scope.path == "/cancel" { withUnsafeCurrentTask { $0?.cancel() } }
            try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
            try await send(.responseBody(Array((cancelledAtStart ? "cancelled" : "fresh").utf8)))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let texts = try await blocking { () -> [String] in
                let client = try TestClient(port: port)
                var texts: [String] = []
                for path in ["/cancel", "/next", "/cancel", "/next", "/next"] {
                    try client.send(get(path))
                    texts.append(try client.readResponse().text)
                }
                return texts
            }
            #expect(texts == ["fresh", "fresh", "fresh", "fresh", "fresh"])
        }
    }

    @Test func eachRequestWritesItsOwnCopyOfTheLifespanState() async throws {
        let app: Application = { scope, receive, send in
            switch scope.type {
            case .lifespan:
                while true {
                    switch try await receive() {
                    case .lifespanStartup:
                        scope.state["greeting"] = "hello"
                        try await send(.lifespanStartupComplete)
                    case .lifespanShutdown:
                        try await send(.lifespanShutdownComplete)
                        return
                    default: return
                    }
                }
            case .http:
                // A request that writes its copy; the next one must still see the startup value.
                let seen = scope.state["greeting"] as? String ?? "none"
                scope.state["greeting"] = "changed by \(scope.path)"
                try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
                try await send(.responseBody(Array(seen.utf8)))
            default: return
            }
        }
        try await withServer(app: app) { server in
            let port = server.port
            for path in ["/a", "/b", "/c"] {
                let response = try await roundTrip(port: port, get(path))
                #expect(response.text == "hello")
            }
        }
    }

    /// `receive` and `send` called from a task on the global executor (off the loop thread) hop
    /// to the loop: the body is read, the response arrives whole, several in a row on one
    /// connection, and the application's own task is back on the loop afterwards.
    @Test func receiveAndSendFromAnotherThreadHopToTheLoop() async throws {
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            let body = try await Task.detached { () async throws -> [UInt8] in
                guard case .request(let body, _) = try await receive() else { return [] }
                try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
                try await send(.responseBody(Array("got ".utf8) + body, moreBody: true))
                try await send(.responseBody(Array(" from \(scope.path)".utf8)))
                return body
            }.value
            precondition(!body.isEmpty)
        }
        try await withServer(app: app) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                for index in 0..<20 {
                    let body = "b\(index)"
                    try client.send("POST /p\(index) HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    let response = try client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.text == "got b\(index) from /p\(index)")
                }
            }
        }
    }
}
