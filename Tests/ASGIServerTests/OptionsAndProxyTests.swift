import ASGI
import Testing

@testable import ASGIServer

@Suite struct ProxyHeadersTests {
    let proxy = ProxyHeaders(trusted: ["127.0.0.1", "10.0.0.0/8", "::1"])

    @Test func trustedPeerGivesTheRightMostUntrustedHop() {
        let headers: Headers = [("x-forwarded-for", "1.2.3.4, 5.6.7.8, 10.1.1.1"), ("x-forwarded-proto", "https")]
        let result = proxy.apply(client: .init(host: "127.0.0.1", port: 5000), peerTrusted: true, headers: headers)
        #expect(result.client?.host == "5.6.7.8")
        #expect(result.scheme == "https")
    }

    @Test func untrustedPeerIsIgnored() {
        let headers: Headers = [("x-forwarded-for", "1.2.3.4"), ("x-forwarded-proto", "https")]
        let result = proxy.apply(client: .init(host: "192.168.1.9", port: 5000), peerTrusted: proxy.isTrusted("192.168.1.9"), headers: headers)
        #expect(result.client?.host == "192.168.1.9")
        #expect(result.scheme == nil)
    }

    @Test func allTrustedHopsFallBackToTheLeftMost() {
        let headers: Headers = [("x-forwarded-for", "10.0.0.5, 10.0.0.6")]
        let result = proxy.apply(client: .init(host: "::1", port: 1), peerTrusted: proxy.isTrusted("::1"), headers: headers)
        #expect(result.client?.host == "10.0.0.5")
    }

    @Test func bogusProtoIsIgnored() {
        let result = proxy.apply(client: .init(host: "127.0.0.1", port: 1), peerTrusted: true, headers: [("x-forwarded-proto", "gopher")])
        #expect(result.scheme == nil)
    }

    @Test func cidrMatching() {
        #expect(Network("10.0.0.0/8")!.contains(IPAddress("10.255.0.1")!))
        #expect(!Network("10.0.0.0/8")!.contains(IPAddress("11.0.0.1")!))
        #expect(Network("2001:db8::/32")!.contains(IPAddress("2001:db8:1::5")!))
        #expect(!Network("2001:db8::/32")!.contains(IPAddress("2001:db9::1")!))
        #expect(ProxyHeaders(trusted: ["*"]).isTrusted("8.8.8.8"))
        #expect(Network("not-an-ip") == nil)
    }
}

@Suite struct AccessLogFormatTests {
    @Test func rendersAtoms() throws {
        let format = try #require(AccessLogFormat(validating: "%(h)s \"%(r)s\" %(s)s %(b)s %(L)s %(a)s"))
        let line = format.render(
            .init(
                client: "1.2.3.4:5", method: "GET", path: "/a", query: "x=1", httpVersion: "1.1", status: 200,
                bytes: 12, seconds: 0.0042, userAgent: "curl", referer: "-"))
        #expect(line == "1.2.3.4:5 \"GET /a?x=1 HTTP/1.1\" 200 12 0.004 curl")
    }

    @Test func theHeadersAFormatPrintsAreKnown() throws {
        let both = try #require(AccessLogFormat(validating: "%(a)s %(f)s"))
        #expect(both.usesUserAgent && both.usesReferer)
        #expect(!AccessLogFormat.defaultFormat.usesUserAgent && !AccessLogFormat.defaultFormat.usesReferer)
        let agentOnly = try #require(AccessLogFormat(validating: "%(h)s %(a)s"))
        #expect(agentOnly.usesUserAgent && !agentOnly.usesReferer)
    }

    @Test func unknownAtomIsRejected() {
        #expect(AccessLogFormat(validating: "%(z)s") == nil)
    }
}

@Suite(.serialized) struct ProxyHeadersLiveTests {
    static let echoClient: Application = { scope, _, send in
        guard scope.type == .http else { return }
        try await send(.responseStart(status: 200))
        try await send(.responseBody(Array("\(scope.scheme) \(scope.client?.host ?? "-")".utf8)))
    }

    @Test func trustedLoopbackPeerIsReplacedByTheForwardedClient() async throws {
        try await withServer(
            {
                $0.proxyHeaders = true; $0.forwardedAllowIPs = ["127.0.0.1"]
            }, app: Self.echoClient
        ) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/", "X-Forwarded-For: 203.0.113.7, 198.51.100.2\r\nX-Forwarded-Proto: https\r\n"))
            #expect(response.text == "https 198.51.100.2")
        }
    }

    @Test func untrustedPeerKeepsItsOwnAddress() async throws {
        try await withServer(
            {
                $0.proxyHeaders = true; $0.forwardedAllowIPs = ["10.0.0.0/8"]
            }, app: Self.echoClient
        ) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/", "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"))
            #expect(response.text == "http 127.0.0.1")
        }
    }

    @Test func disabledProxyHeadersAreIgnored() async throws {
        try await withServer(
            {
                $0.proxyHeaders = false; $0.forwardedAllowIPs = ["*"]
            }, app: Self.echoClient
        ) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/", "X-Forwarded-For: 203.0.113.7\r\n"))
            #expect(response.text == "http 127.0.0.1")
        }
    }
}
