import ArgumentParser
import ASGI
@testable import ASGIServer
import Testing

@Suite struct ServerOptionsTests {
    @Test func defaultsFollowUvicorn() throws {
        let options = try ServerOptions.parse([])
        let config = options.makeConfig(logger: .init(label: "t"))
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 6000)
        #expect(config.timeoutKeepAlive == 5)
        #expect(config.timeoutHeader == 10)
        #expect(config.timeoutGracefulShutdown == 30)
        #expect(config.maxHeaderSize == 16384)
        #expect(config.accessLog)
        #expect(config.proxyHeaders)
        #expect(config.forwardedAllowIPs == ["127.0.0.1"])
        #expect(options.workers == nil)
    }

    @Test func everyFlagParses() throws {
        let options = try ServerOptions.parse([
            "--host", "0.0.0.0", "--port", "8080", "--workers", "3", "--backlog", "128",
            "--log-level", "debug", "--no-access-log", "--access-log-format", "%(h)s %(s)s",
            "--no-proxy-headers", "--forwarded-allow-ips", "10.0.0.0/8,::1", "--root-path", "/api",
            "--limit-concurrency", "10", "--limit-max-requests", "100", "--limit-max-requests-jitter", "5",
            "--timeout-keep-alive", "2", "--timeout-header", "3", "--timeout-graceful-shutdown", "4",
            "--timeout-worker-healthcheck", "6", "--max-header-size", "8192", "--header", "x-a: 1",
            "--header", "x-b:2", "--no-server-header", "--no-date-header", "--lifespan", "off",
            "--timeout-body-read", "7", "--timeout-send", "8", "--limit-max-connections", "900",
        ])
        let config = options.makeConfig(logger: .init(label: "t"))
        #expect(config.host == "0.0.0.0" && config.port == 8080 && config.backlog == 128)
        #expect(options.workers == WorkerCount(3))
        #expect(!config.accessLog && !config.proxyHeaders && !config.serverHeader && !config.dateHeader)
        #expect(config.limitConcurrency == 10 && config.limitMaxRequests == 100 && config.limitMaxRequestsJitter == 5)
        #expect(config.timeoutKeepAlive == 2 && config.timeoutHeader == 3 && config.timeoutGracefulShutdown == 4)
        #expect(options.timeoutWorkerHealthcheck == 6)
        #expect(config.maxHeaderSize == 8192 && config.rootPath == "/api" && config.lifespan == .off)
        #expect(config.defaultHeaders.map { "\($0.0)=\($0.1)" } == ["x-a=1", "x-b=2"])
        #expect(config.accessLogFormat.source == "%(h)s %(s)s")
        #expect(config.timeoutBodyRead == 7 && config.timeoutSend == 8 && config.limitMaxConnections == 900)
    }

    @Test func workersAutoIsTheCPUCount() throws {
        let options = try ServerOptions.parse(["--workers", "auto"])
        #expect((options.workers?.count ?? 0) >= 1)
    }

    @Test(arguments: [
        ["--port", "abc"], ["--port", "70000"], ["--port", "-1"], ["--workers", "0"], ["--workers", "many"],
        ["--timeout-header", "-1"], ["--timeout-keep-alive", "-2"], ["--max-header-size", "10"],
        ["--limit-concurrency", "0"], ["--limit-max-requests", "0"], ["--log-level", "loud"],
        ["--header", "no-colon"], ["--header", "bad name: x"], ["--forwarded-allow-ips", "10.0.0.0/99"],
        ["--root-path", "api"], ["--access-log-format", "%(z)s"], ["--lifespan", "maybe"],
        ["--uds", "/tmp/a", "--fd", "3"], ["--backlog", "0"], ["--no-such-flag"],
        ["--timeout-body-read", "0"], ["--timeout-send", "-1"], ["--limit-max-connections", "0"],
        ["--uds", "/etc/hostname"],
    ])
    func badValuesAreRejected(arguments: [String]) {
        #expect(throws: (any Error).self) { try ServerOptions.parse(arguments) }
    }

    @Test func environmentProvidesFlagsAndTheCommandLineWins() throws {
        let environment = [
            "SWIFTASGI_PORT": "7000", "SWIFTASGI_ACCESS_LOG": "0", "WEB_CONCURRENCY": "2",
            "FORWARDED_ALLOW_IPS": "*", "SWIFTASGI_HEADER": "x-a: 1;x-b: 2", "UNRELATED": "x",
        ]
        let fromEnvironment = try ServerOptions.environmentArguments(environment)
        let options = try ServerOptions.parse(fromEnvironment + ["--port", "7100"])
        #expect(options.port == 7100)
        #expect(!options.accessLog)
        #expect(options.workers == WorkerCount(2))
        #expect(options.forwardedAllowIps == "*")
        #expect(options.headers.count == 2)
        #expect(throws: (any Error).self) { try ServerOptions.environmentArguments(["SWIFTASGI_RELOAD": "maybe"]) }
    }

    @Test func supervisorRewritesSocketFlags() {
        #expect(ServerMain.rewrite(["--uds", "/tmp/s", "--port", "1", "--uds=/x"], dropping: ["--uds"]) == ["--port", "1"])
    }
}

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
        let line = format.render(.init(
            client: "1.2.3.4:5", method: "GET", path: "/a", query: "x=1", httpVersion: "1.1", status: 200,
            bytes: 12, seconds: 0.0042, userAgent: "curl", referer: "-"))
        #expect(line == "1.2.3.4:5 \"GET /a?x=1 HTTP/1.1\" 200 12 0.004 curl")
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
        try await withServer({ $0.proxyHeaders = true; $0.forwardedAllowIPs = ["127.0.0.1"] }, app: Self.echoClient) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/", "X-Forwarded-For: 203.0.113.7, 198.51.100.2\r\nX-Forwarded-Proto: https\r\n"))
            #expect(response.text == "https 198.51.100.2")
        }
    }

    @Test func untrustedPeerKeepsItsOwnAddress() async throws {
        try await withServer({ $0.proxyHeaders = true; $0.forwardedAllowIPs = ["10.0.0.0/8"] }, app: Self.echoClient) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/", "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"))
            #expect(response.text == "http 127.0.0.1")
        }
    }

    @Test func disabledProxyHeadersAreIgnored() async throws {
        try await withServer({ $0.proxyHeaders = false; $0.forwardedAllowIPs = ["*"] }, app: Self.echoClient) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/", "X-Forwarded-For: 203.0.113.7\r\n"))
            #expect(response.text == "http 127.0.0.1")
        }
    }
}
