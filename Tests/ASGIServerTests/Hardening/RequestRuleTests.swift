import ASGI
import ASGIServer
import Testing

/// RFC 9112 §3.2 on real sockets: the server answers 400 and stays up.
@Suite struct RequestRuleTests {
    @Test(arguments: [
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: user@example.com\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: example.com:99999\r\n\r\n",
        "GET ftp://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
    ])
    func refusedWith400(_ request: String) async throws {
        try await withServer(app: Apps.hello) { server in
            let raw = try await readUntilClose(port: server.port, request)
            #expect(raw.hasPrefix("HTTP/1.1 400 "), "\(raw)")
            #expect(raw.lowercased().contains("connection: close"))
            #expect(try await roundTrip(port: server.port, get("/")).status == 200)
        }
    }

    @Test func http10WithoutHostIsServed() async throws {
        try await withServer(app: Apps.hello) { server in
            let raw = try await readUntilClose(port: server.port, "GET / HTTP/1.0\r\n\r\n")
            #expect(raw.hasPrefix("HTTP/1.1 200 "))
        }
    }

    @Test func absoluteFormTargetGivesPathAndAuthority() async throws {
        let captured = AsyncBox<Scope>()
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            captured.set(scope)
            try await Apps.hello(scope, receive, send)
        }
        try await withServer(app: app) { server in
            let response = try await roundTrip(
                port: server.port, "GET http://a.example:8080/x/y%20z?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n")
            #expect(response.status == 200)
            let scope = await captured.value()
            #expect(scope.path == "/x/y z")
            #expect(scope.rawPath == Array("/x/y%20z".utf8))
            #expect(scope.queryString == Array("q=1".utf8))
            #expect(scope.headers.values(name: "host") == ["a.example:8080"])
        }
    }
}
