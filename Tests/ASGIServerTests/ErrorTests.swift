import ASGI
import ASGIServer
import Synchronization
import Testing

@Suite(.serialized) struct ErrorTests {
    /// Each malformed request gets its status and a closed connection; the next client is served.
    @Test(arguments: [
        ("GARBAGE\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: t\r\nContent-Length : 5\r\n\r\nhello", 400),
        ("GET / HTTP/1.1\r\nHost: t\r\nFoo Bar: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n folded\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("GET / HTTP/1.1\nHost: t\n\n", 400),
        ("GET / HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "b", count: 17000))\r\n\r\n", 431),
    ])
    func malformedRequestIsRejectedAndServerGoesOn(request: String, status: Int) async throws {
        try await withServer(app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let bad = try TestClient(port: port)
                try bad.send(request)
                let response = try bad.readResponse()
                #expect(response.status == status)
                #expect(response.header("connection") == "close")
                #expect(bad.isClosedByPeer())
                let good = try TestClient(port: port)
                try good.send(get("/"))
                #expect(try good.readResponse().status == 200)
            }
        }
    }

    @Test func appErrorBeforeStartGives500AndClose() async throws {
        struct Boom: Error {}
        let app: Application = { _, _, _ in throw Boom() }
        try await withServer({ $0.lifespan = .off }, app: app) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send(get("/"))
                let response = try client.readResponse()
                #expect(response.status == 500)
                #expect(response.text.hasPrefix("Internal Server Error"))
                #expect(client.isClosedByPeer())
            }
        }
    }

    @Test func appReturningWithoutResponseGives500() async throws {
        let app: Application = { _, _, _ in }
        try await withServer(app: app) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send(get("/"))
                #expect(try client.readResponse().status == 500)
            }
        }
    }

    @Test func appErrorAfterStartCutsTheConnection() async throws {
        struct Boom: Error {}
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Array("partial".utf8), moreBody: true))
            throw Boom()
        }
        try await withServer(app: app) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send(get("/"))
                let raw = String(decoding: try client.readToEnd(), as: UTF8.self)
                #expect(raw.contains("partial"))
                #expect(!raw.hasSuffix("0\r\n\r\n"), "a truncated response must not look complete")
            }
        }
    }

    @Test func streamedBodyLongerThanContentLengthThrowsFromSendAndCuts() async throws {
        let outcome = AsyncBox<String>()
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200, headers: [("content-length", "3")]))
            do {
                try await send(.responseBody(Array("to".utf8), moreBody: true))
                try await send(.responseBody(Array("olong".utf8), moreBody: true))
                outcome.set("no error")
            } catch let error as ASGIError {
                outcome.set(error.isContentLengthMismatch ? "mismatch" : "other")
                throw error
            }
        }
        try await withServer(app: app) { server in
            let port = server.port
            let raw = try await readUntilClose(port: port, get("/"))
            #expect(await outcome.value() == "mismatch")
            #expect(raw.hasPrefix("HTTP/1.1 200"))
            #expect(!raw.contains("olong"), "bytes past the content-length must never be sent")
        }
    }

    @Test func oneShotBodyNotMatchingContentLengthThrowsAndGives500() async throws {
        let outcome = AsyncBox<String>()
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200, headers: [("content-length", "3")]))
            do {
                try await send(.responseBody(Array("toolong".utf8)))
                outcome.set("no error")
            } catch let error as ASGIError {
                outcome.set(error.isContentLengthMismatch ? "mismatch" : "other")
                throw error
            }
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/"))
            #expect(await outcome.value() == "mismatch")
            #expect(response.status == 500)
        }
    }

    @Test func bodyShorterThanContentLengthThrowsFromSend() async throws {
        let outcome = AsyncBox<String>()
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200, headers: [("content-length", "10")]))
            do {
                try await send(.responseBody(Array("short".utf8), moreBody: true))
                try await send(.responseBody([], moreBody: false))
                outcome.set("no error")
            } catch let error as ASGIError {
                outcome.set(error.isContentLengthMismatch ? "mismatch" : "other")
            }
        }
        try await withServer(app: app) { server in
            let port = server.port
            let raw = try await readUntilClose(port: port, get("/"))
            #expect(await outcome.value() == "mismatch")
            // The client sees the connection cut short of the declared length.
            #expect(raw.hasSuffix("\r\n\r\nshort"))
        }
    }

    @Test(arguments: ["bad\r\nInjected: yes", "nul\0byte", "lf\nonly"])
    func headerInjectionIsRefused(value: String) async throws {
        let outcome = AsyncBox<String>()
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            do {
                try await send(.responseStart(status: 200, headers: [("x-test", value)]))
                try await send(.responseBody([]))
                outcome.set("sent")
            } catch let error as ASGIError {
                outcome.set(error.isInvalidHeader ? "invalid-header" : "other: \(error)")
                throw error
            }
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/"))
            #expect(await outcome.value() == "invalid-header")
            #expect(response.status == 500)
            #expect(response.header("injected") == nil)
        }
    }

    @Test func secondResponseStartIsAProtocolError() async throws {
        let outcome = AsyncBox<String>()
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200))
            do {
                try await send(.responseStart(status: 201))
                outcome.set("accepted")
            } catch let error as ASGIError {
                outcome.set(error.isProtocolViolation ? "violation" : "other")
            }
            try await send(.responseBody(Array("ok".utf8)))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/"))
            #expect(await outcome.value() == "violation")
            #expect(response.status == 200)
            #expect(response.text == "ok")
        }
    }

    @Test func limitConcurrencyAnswers503() async throws {
        let release = AsyncGate()
        let holding = AsyncGate()
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            if scope.path == "/hold" {
                holding.open()
                await release.wait()
            }
            try await Apps.hello(scope, receive, send)
        }
        try await withServer({ $0.limitConcurrency = 1 }, app: app) { server in
            let port = server.port
            let holder = try TestClient(port: port)
            try holder.send(get("/hold"))
            await holding.wait()
            let response = try await roundTrip(port: port, get("/"))
            #expect(response.status == 503)
            release.open()
            let held = try await blocking { try holder.readResponse() }
            #expect(held.status == 200)
        }
    }
}

/// A value set once on the server thread and awaited by the test.
final class AsyncBox<T: Sendable>: Sendable {
    private let gate = AsyncGate()
    private let stored = Mutex<T?>(nil)
    func set(_ value: T) {
        stored.withLock { $0 = value }
        gate.open()
    }
    func value() async -> T {
        await gate.wait()
        return stored.withLock { $0! }
    }
}
