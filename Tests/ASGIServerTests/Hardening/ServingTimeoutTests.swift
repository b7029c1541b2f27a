import ASGI
import ASGIServer
import Glibc
import Synchronization
import Testing
import UVLoop

/// `--timeout-body-read` and `--timeout-send`: a client that stalls mid-body or stops reading
/// cannot hold a connection and its handler for ever.
@Suite(.serialized) struct ServingTimeoutTests {
    /// Reads the whole body; reports what `receive` gave last.
    static func bodyReader(_ last: AsyncBox<String>) -> Application {
        { scope, receive, send in
            guard scope.type == .http else { return }
            var total = 0
            while true {
                switch try await receive() {
                case .request(let body, let more):
                    total += body.count
                    if !more {
                        last.set("complete \(total)")
                        try await send(.responseStart(status: 200, headers: []))
                        try await send(.responseBody(Array("\(total)".utf8)))
                        return
                    }
                case .disconnect:
                    last.set("disconnect after \(total)")
                    return
                default:
                    return
                }
            }
        }
    }

    @Test func stalledBodyGets408AndTheAppSeesDisconnect() async throws {
        let last = AsyncBox<String>()
        try await withServer({ $0.timeoutBodyRead = 0.3 }, app: Self.bodyReader(last)) { server in
            let port = server.port
            let (raw, elapsed) = try await blocking { () -> (String, Duration) in
                let client = try TestClient(port: port, timeoutSeconds: 5)
                try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
                let start = ContinuousClock.now
                let raw = String(decoding: try client.readToEnd(), as: UTF8.self)
                return (raw, ContinuousClock.now - start)
            }
            #expect(raw.hasPrefix("HTTP/1.1 408 "), "\(raw)")
            #expect(elapsed < .seconds(3))
            #expect(await last.value() == "disconnect after 10")
            // The server goes on serving.
            #expect(try await roundTrip(port: port, get("/")).status == 200)
        }
    }

    @Test func bodyThatKeepsComingIsNotCutOff() async throws {
        let last = AsyncBox<String>()
        try await withServer({ $0.timeoutBodyRead = 1.0 }, app: Self.bodyReader(last)) { server in
            let port = server.port
            let response = try await blocking { () -> TestResponse in
                let client = try TestClient(port: port, timeoutSeconds: 5)
                try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\n")
                // Eight pieces 0.15 s apart: 1.2 s in all, more than the timeout, while each gap
                // is well under it (a loaded machine, or a sanitizer build, stretches the sleeps).
                for piece in ["a", "b", "c", "d", "e", "f", "g", "h"] {
                    usleep(150_000)
                    try client.send(piece)
                }
                return try client.readResponse()
            }
            #expect(response.status == 200 && response.text == "8")
            #expect(await last.value() == "complete 8")
        }
    }

    @Test func stalledBodyAfterTheResponseStartedClosesTheConnection() async throws {
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200, headers: []))
            try await send(.responseBody(Array("started ".utf8), moreBody: true))
            while case .request(_, true) = try await receive() {}
        }
        try await withServer({ $0.timeoutBodyRead = 0.3 }, app: app) { server in
            let port = server.port
            let raw = try await blocking { () -> String in
                let client = try TestClient(port: port, timeoutSeconds: 5)
                try client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
                return String(decoding: try client.readToEnd(), as: UTF8.self)
            }
            #expect(raw.hasPrefix("HTTP/1.1 200 OK"))
            #expect(raw.contains("started "))
            #expect(!raw.hasSuffix("0\r\n\r\n"), "the chunked body must end truncated")
        }
    }

    @Test func clientThatStopsReadingIsClosedAndSendThrows() async throws {
        let outcome = AsyncBox<String>()
        let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            do {
                try await send(.responseStart(status: 200, headers: []))
                for _ in 0..<4096 { try await send(.responseBody(chunk, moreBody: true)) }  // 256 MiB
                outcome.set("finished")
            } catch let error as ASGIError {
                outcome.set(error.isDisconnected ? "disconnected" : "\(error)")
            }
        }
        try await withServer({ $0.timeoutSend = 0.3 }, app: app) { server in
            let port = server.port
            let client = try TestClient(port: port, timeoutSeconds: 5)
            try client.send(get("/"))
            // Never read: the kernel buffers fill, send suspends, the timeout closes.
            let start = ContinuousClock.now
            #expect(await outcome.value() == "disconnected")
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(try await roundTrip(port: port, get("/")).status == 200)
            _ = client
        }
    }

    @Test func closingConnectionWhoseClientDoesNotReadIsBounded() async throws {
        // A one-shot 8 MiB answer with `connection: close`: the final flush waits for the client,
        // bounded by the send timeout.
        let big = [UInt8](repeating: 0x62, count: 8 << 20)
        let app: Application = { scope, _, send in
            guard scope.type == .http else { return }
            try await send(.responseStart(status: 200, headers: [("connection", "close")]))
            try await send(.responseBody(big))
        }
        try await withServer({ $0.timeoutSend = 0.3 }, app: app) { server in
            let port = server.port
            let client = try TestClient(port: port, timeoutSeconds: 5)
            try client.send(get("/"))
            let deadline = ContinuousClock.now + .seconds(10)
            while await server.connectionCount() > 0 {
                #expect(ContinuousClock.now < deadline, "the connection must close after the send timeout")
                if ContinuousClock.now >= deadline { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            _ = client
        }
    }
}
