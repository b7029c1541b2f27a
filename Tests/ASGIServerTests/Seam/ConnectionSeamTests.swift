import ASGI
import Synchronization
import Testing
import UVLoop

@testable import ASGIServer

extension SeamTests {
    /// The connection state machine driven in process: bytes in, bytes out, timers on a loop the test
    /// runs itself. Each rule the hardening added is checked here without a socket.
    @Suite struct ConnectionSeamTests {
        @Test func servesPipelinedRequestsInOrder() throws {
            let harness = try ConnectionHarness(app: Apps.path)
            harness.send(get("/a") + get("/b") + get("/c"))
            let out = harness.output(containing: "/c")
            let order = ["/a", "/b", "/c"].map { out.range(of: "\r\n\r\n" + $0)?.lowerBound }
            #expect(order.allSatisfy { $0 != nil }, "\(out)")
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
            #expect(!harness.transport.isClosed)
            harness.finish()
        }

        @Test(arguments: [
            "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n",
        ])
        func hostViolationsGet400AndClose(_ request: String) throws {
            let harness = try ConnectionHarness(app: Apps.hello)
            harness.send(request)
            #expect(harness.runUntilClosed())
            #expect(harness.transport.text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(harness.transport.text)")
            #expect(harness.transport.text.contains("connection: close"))
            harness.finish()
        }

        @Test func stalledBodyGets408() throws {
            let seen = Mutex<[String]>([])
            let app: Application = { scope, receive, send in
                guard scope.type == .http else { return }
                while true {
                    let event = try await receive()
                    seen.withLock { $0.append(event.type) }
                    if case .request(_, true) = event { continue }
                    return
                }
            }
            let harness = try ConnectionHarness({ $0.timeoutBodyRead = 0.05 }, app: app)
            harness.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345")
            #expect(harness.runUntilClosed(within: 2000))
            #expect(harness.transport.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(harness.transport.text)")
            #expect(seen.withLock { $0 } == ["http.request", "http.disconnect"])
            harness.finish()
        }

        @Test func sendWaitsWhileThePeerDoesNotReadAndTimesOut() throws {
            let outcome = Mutex<String?>(nil)
            let app: Application = { scope, _, send in
                guard scope.type == .http else { return }
                do {
                    try await send(.responseStart(status: 200, headers: []))
                    for _ in 0..<4 { try await send(.responseBody([UInt8](repeating: 0x61, count: 48 << 10), moreBody: true)) }
                    outcome.withLock { $0 = "finished" }
                } catch let error as ASGIError {
                    outcome.withLock { $0 = error.isDisconnected ? "disconnected" : "\(error)" }
                }
            }
            let harness = try ConnectionHarness({ $0.timeoutSend = 0.05 }, app: app)
            harness.transport.peerReads = false
            harness.send(get("/"))
            #expect(harness.run(forAtMost: 2000) { outcome.withLock { $0 } != nil })
            #expect(outcome.withLock { $0 } == "disconnected")
            #expect(harness.transport.isClosed)
            harness.finish()
        }

        @Test func sendResumesWhenThePeerReadsAgain() throws {
            let outcome = Mutex<String?>(nil)
            let app: Application = { scope, _, send in
                guard scope.type == .http else { return }
                try await send(.responseStart(status: 200, headers: [("content-length", "\(4 * (48 << 10))")]))
                for _ in 0..<4 { try await send(.responseBody([UInt8](repeating: 0x61, count: 48 << 10), moreBody: true)) }
                try await send(.responseBody([]))
                outcome.withLock { $0 = "finished" }
            }
            let harness = try ConnectionHarness(app: app)
            harness.transport.peerReads = false
            harness.send(get("/"))
            // The app is suspended in send: nothing is finished while the peer does not read.
            #expect(!harness.run(forAtMost: 100) { outcome.withLock { $0 } != nil })
            #expect(harness.transport.queuedWriteBytes > 64 << 10)
            harness.transport.peerReads = true
            #expect(harness.run { outcome.withLock { $0 } != nil })
            #expect(harness.transport.written.count > 4 * (48 << 10))
            harness.finish()
        }

        @Test func secondConcurrentReceiveThrows() throws {
            let results = Mutex<[String]>([])
            let app: Application = { scope, receive, send in
                guard scope.type == .http else { return }
                async let first: String = { do { return try await receive().type } catch { return "\(error)" } }()
                async let second: String = {
                    await Task.yield()
                    do { return try await receive().type } catch { return "\(error)" }
                }()
                let both = await [first, second]
                results.withLock { $0 = both }
                try await Apps.hello(scope, receive, send)
            }
            let harness = try ConnectionHarness(app: app)
            harness.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n")
            harness.run(forAtMost: 50) { false }
            harness.send("hi")
            #expect(harness.output(containing: "Hello, ASGI!").contains("200 OK"))
            let got = results.withLock { $0 }
            #expect(got.filter { $0 == "http.request" }.count == 1, "\(got)")
            #expect(got.filter { $0.contains("another receive()") }.count == 1, "\(got)")
            harness.finish()
        }

        @Test func headWithAnEmptyOneShotBodyClaimsNoLength() throws {
            let app: Application = { scope, _, send in
                guard scope.type == .http else { return }
                try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
                try await send(.responseBody([]))
            }
            let harness = try ConnectionHarness(app: app)
            harness.send("HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n")
            let out = harness.output(containing: "\r\n\r\n")
            #expect(out.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(!out.lowercased().contains("content-length"), "\(out)")
            #expect(!out.lowercased().contains("transfer-encoding"), "\(out)")
            harness.finish()
        }

        @Test func applicationChunkedNeverReachesHTTP10() throws {
            let app: Application = { scope, _, send in
                guard scope.type == .http else { return }
                try await send(.responseStart(status: 200, headers: [("transfer-encoding", "chunked")]))
                try await send(.responseBody(Array("one ".utf8), moreBody: true))
                try await send(.responseBody(Array("two".utf8)))
            }
            let harness = try ConnectionHarness(app: app)
            harness.send("GET / HTTP/1.0\r\n\r\n")
            #expect(harness.runUntilClosed())
            let out = harness.transport.text
            #expect(!out.lowercased().contains("transfer-encoding"), "\(out)")
            #expect(out.hasSuffix("\r\n\r\none two"), "close-delimited, not chunked: \(out)")
            harness.finish()
        }

        @Test func rootPathIsPrependedToPathAndRawPath() throws {
            let scope = Mutex<Scope?>(nil)
            let app: Application = { s, receive, send in
                guard s.type == .http else { return }
                scope.withLock { $0 = s }
                try await Apps.hello(s, receive, send)
            }
            let harness = try ConnectionHarness({ $0.rootPath = "/api" }, app: app)
            harness.send(get("/a%2Fb"))
            _ = harness.output(containing: "Hello")
            let seen = try #require(scope.withLock { $0 })
            #expect(seen.path == "/api/a/b" && seen.rawPath == Array("/api/a%2Fb".utf8) && seen.rootPath == "/api")
            harness.finish()
        }

        @Test func connectionPastTheCapGets503() throws {
            let harness = try ConnectionHarness({ $0.limitMaxConnections = 1 }, app: Apps.hello)
            let second = MemoryTransport()
            harness.loop.run(forAtMost: 0) {
                harness.core.accept(second); return true
            }
            harness.run {
                second.pump()
                return second.isShutDown
            }
            #expect(String(decoding: second.written, as: UTF8.self).hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
            harness.send(get("/"))
            #expect(harness.output(containing: "Hello").hasPrefix("HTTP/1.1 200 OK"))
            harness.finish()
        }
    }

    /// Graceful shutdown on a keep-alive connection.
    @Suite struct ConnectionShutdownSeamTests {
        @Test func requestArrivingJustAfterShutdownBeganIsAnswered() throws {
            let harness = try ConnectionHarness(app: Apps.path)
            harness.send(get("/first"))
            _ = harness.output(containing: "/first")
            var stopped = false
            harness.core.shutdown { stopped = true }
            // The client sent its next request as the previous response arrived: it is served.
            harness.send(get("/second"))
            #expect(harness.runUntilClosed(within: 3000))
            let out = harness.transport.text
            let second = try #require(out.range(of: "HTTP/1.1 200 OK", range: out.index(after: out.startIndex)..<out.endIndex))
            let tail = out[second.lowerBound...]
            #expect(tail.hasSuffix("/second"), "\(out)")
            #expect(tail.contains("connection: close"))
            harness.run { stopped }
            #expect(stopped)
            #expect(harness.loop.close() == 0)
        }

        @Test func idleConnectionClosesSoonAfterShutdown() throws {
            let harness = try ConnectionHarness(app: Apps.hello)
            harness.send(get("/"))
            _ = harness.output(containing: "Hello")
            var stopped = false
            harness.core.shutdown { stopped = true }
            #expect(harness.runUntilClosed(within: 2000), "an idle connection closes after the grace")
            harness.run { stopped }
            #expect(stopped)
            #expect(harness.loop.close() == 0)
        }
    }
}
