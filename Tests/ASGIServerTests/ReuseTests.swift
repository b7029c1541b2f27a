import ASGI
import ASGIServer
import Synchronization
import Testing

/// What a keep-alive connection reuses between requests (the finished exchange, the header
/// buffers, the output buffer) must not carry anything from one request to the next, nor change
/// what an application kept of an earlier one.
@Suite struct ReuseTests {
    final class Kept: Sendable { let scopes = Mutex<[Scope]>([]) }

    /// Answers with what it saw: its `x-tag` header, the number of fields, and the body. Keeps
    /// each scope in `kept` when given one (then nothing of a request can be reused).
    static func reporter(_ kept: Kept? = nil) -> Application {
        { scope, receive, send in
            guard scope.type == .http else { return }
            kept?.scopes.withLock { $0.append(scope) }
            var body: [UInt8] = []
            while case .request(let chunk, let more) = try await receive() {
                body += chunk
                if !more { break }
            }
            let tag = scope.headers["x-tag"] ?? "-"
            let status = scope.path == "/created" ? 201 : 200
            let text = "\(tag) \(scope.headers.count) \(String(decoding: body, as: UTF8.self))"
            if scope.path == "/stream" {
                try await send(.responseStart(status: status, headers: [("x-first", tag)]))
                try await send(.responseBody(Array(text.utf8), moreBody: true))
                try await send(.responseBody([]))
            } else {
                try await send(.responseStart(status: status, headers: [("content-type", "text/plain")]))
                try await send(.responseBody(Array(text.utf8)))
            }
        }
    }

    /// Three different requests on one connection, answered as if each came on its own.
    static func threeRequests(port: Int) async throws -> [TestResponse] {
        try await blocking { () -> [TestResponse] in
            let client = try TestClient(port: port)
            var responses: [TestResponse] = []
            // A body with 100-continue, a streamed (chunked) response, many fields.
            try client.send(
                "POST /stream HTTP/1.1\r\nHost: t\r\nX-Tag: one\r\nA: 1\r\nB: 2\r\nC: 3\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            let first = String(decoding: try client.readSome(), as: UTF8.self)
            guard first.hasPrefix("HTTP/1.1 100 Continue\r\n") else { throw TestClientError("first: \(first)") }
            try client.send("hello")
            responses.append(try client.readResponse())
            // Fewer fields, another 100-continue: it must be sent again.
            try client.send("POST /created HTTP/1.1\r\nHost: t\r\nX-Tag: two\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
            let second = String(decoding: try client.readSome(), as: UTF8.self)
            guard second.hasPrefix("HTTP/1.1 100 Continue\r\n") else { throw TestClientError("second: \(second)") }
            try client.send("abc")
            responses.append(try client.readResponse())
            // No body, no tag: nothing of the earlier requests shows.
            try client.send(get("/"))
            responses.append(try client.readResponse())
            return responses
        }
    }

    static func expectThreeAnswers(_ responses: [TestResponse]) {
        #expect(responses.map(\.status) == [200, 201, 200])
        #expect(responses.map(\.text) == ["one 7 hello", "two 4 abc", "- 1 "])
        #expect(responses.first?.chunked == true && responses.first?.header("x-first") == "one")
        #expect(responses.dropFirst().allSatisfy { !$0.chunked && $0.header("x-first") == nil })
        #expect(responses.dropFirst().map { $0.header("content-length") } == ["9", "4"])
    }

    @Test func eachRequestOnAKeepAliveConnectionStartsClean() async throws {
        try await withServer(app: Self.reporter()) { server in
            Self.expectThreeAnswers(try await Self.threeRequests(port: server.port))
        }
    }

    @Test func scopesAnApplicationKeepsStillHoldTheirOwnRequests() async throws {
        let kept = Kept()
        try await withServer(app: Self.reporter(kept)) { server in
            Self.expectThreeAnswers(try await Self.threeRequests(port: server.port))
        }
        let scopes = kept.scopes.withLock { $0 }
        #expect(scopes.map { $0.headers["x-tag"] ?? "-" } == ["one", "two", "-"])
        #expect(scopes.map(\.headers.count) == [7, 4, 1])
        #expect(scopes.first?.headers["c"] == "3")
    }

    @Test func headsOfChangingSizeEachSeeTheirOwnFields() async throws {
        try await withServer(app: Self.reporter()) { server in
            let port = server.port
            let texts = try await blocking { () -> [String] in
                let client = try TestClient(port: port)
                var texts: [String] = []
                for index in 0..<60 {
                    // The reused buffers are filled with heads shorter and longer than the last.
                    let padding = String(repeating: "p", count: (index * 37) % 900)
                    try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Tag: \(index)\r\nX-Pad: \(padding)\r\n\r\n")
                    texts.append(try client.readResponse().text)
                }
                return texts
            }
            #expect(texts == (0..<60).map { "\($0) 3 " })
        }
    }
}
