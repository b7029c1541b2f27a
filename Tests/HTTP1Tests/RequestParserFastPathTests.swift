import ASGI
import Testing

@testable import HTTP1

/// The line-at-a-time path, the byte path and their hand-over must give the same heads; and
/// http-parser, which now reads only the request line (an origin-form target as `/`) and the
/// framing fields, must still decide keep-alive, length and upgrade.
@Suite struct RequestParserFastPathTests {
    static let requests = [
        "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: wrk\r\n\r\n",
        "GET /api/v1/users/42?expand=true&x=%2F#frag HTTP/1.1\r\nHOST: Example.COM\r\n"
            + "X-A-Rather-Long-Header-Name: \t value with\ttab and caf\u{e9} \t\r\nE:\r\nF:  \r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: Close\r\n\r\nhello",
        "POST /c HTTP/1.1\r\nHost: t\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "GET /old HTTP/1.0\r\nConnection: keep-alive\r\nA_b.c~d!e: 1\r\n\r\n",
        "GET http://example.com:8080/p?q=1 HTTP/1.1\r\nHost: t\r\nProxy-Connection: close\r\n\r\n",
        "\r\nOPTIONS * HTTP/1.1\r\nHost: t\r\nMax-Forwards: 0\r\n\r\n",
    ]

    struct Summary: Equatable {
        var method: String, rawPath: [UInt8], path: String, query: [UInt8], minor: Int
        var headers: Headers, keepAlive: Bool, length: Int?, chunked: Bool, body: [UInt8]

        init(_ recorder: Recorder) {
            let head = recorder.heads[0]
            method = head.method
            rawPath = head.rawPath
            path = head.path
            query = head.queryString
            minor = head.versionMinor
            headers = head.headers
            keepAlive = head.keepAlive
            length = head.contentLength
            chunked = head.isChunked
            body = recorder.bodies[0]
        }
    }

    @Test(arguments: requests)
    func everySplitGivesTheSameHead(_ text: String) throws {
        let request = bytes(text)
        let whole = Summary(try parse(text))
        #expect(Summary(try parse(text, piece: 1)) == whole)
        for split in 1..<request.count {
            let harness = Harness()
            try harness.feedSplit(request, at: split)
            #expect(Summary(harness.recorder) == whole, "split at \(split)")
        }
    }

    @Test func framingFieldsReachHTTPParser() throws {
        let recorder = try parse(Self.requests.joined())
        #expect(recorder.heads.map(\.keepAlive) == [true, true, false, true, true, true, false, true])
        #expect(recorder.heads[2].contentLength == 5 && recorder.bodies[2] == bytes("hello"))
        #expect(recorder.heads[3].isChunked && recorder.bodies[3] == bytes("hello"))
        #expect(recorder.heads[1].headers["x-a-rather-long-header-name"] == "value with\ttab and café")
        #expect(
            recorder.heads[1].headers == [
                ("host", "Example.COM"), ("x-a-rather-long-header-name", "value with\ttab and café"), ("e", ""), ("f", ""),
            ])
        #expect(recorder.heads[7].method == "OPTIONS" && recorder.heads[7].rawPath == bytes("*"))
    }

    @Test func targetsOfEveryShape() throws {
        // Origin-form targets reach http-parser as "/": any visible ASCII must still be accepted.
        let odd = "/a!$&'()*+,;=:@-._~%41\"<>[\\]^`{|}?x=/?#y#z"
        let recorder = try parse(
            "GET \(odd) HTTP/1.1\r\nHost: t\r\n\r\nGET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /a?b HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET http://h HTTP/1.1\r\nHost: t\r\n\r\nGET /%7e HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(recorder.heads.map(\.path) == ["/a!$&'()*+,;=:@-._~A\"<>[\\]^`{|}", "/a", "/a", "/a", "/", "/~", "/"])
        #expect(recorder.heads.map { String(decoding: $0.queryString, as: UTF8.self) } == ["x=/?", "", "", "b", "", "", ""])
        #expect(recorder.heads[1].rawPath == bytes("/a") && recorder.heads[5].rawPath == bytes("/%7e"))
    }

    @Test func methodAndTargetStillJudgedByHTTPParser() {
        #expect(rejection(bytes("FOO /long/path HTTP/1.1\r\nHost: t\r\n\r\n")).whole?.status == 400)
        #expect(rejection(bytes("GET abc HTTP/1.1\r\nHost: t\r\n\r\n")).whole?.status == 400)
        #expect(rejection(bytes("CONNECT /x HTTP/1.1\r\nHost: x\r\n\r\n")).whole?.status == 400)
    }

    @Test func badRequestLineRefusedBeforeTheHeadIsWhole() {
        for partial in ["FOO / HTTP/1.1\r\nHost: x\r\n", "GET abc HTTP/1.1\r\nHost: t\r\n", "get / HTTP/1.1\r\nHost: t\r\nA: b"] {
            let harness = Harness()
            #expect(throws: HTTPParseError.self, "\(partial.debugDescription)") { try harness.feed(bytes(partial)) }
        }
    }

    /// A plain head (HTTP/1.0 or 1.1, origin-form target, a common method, no framing field) is
    /// read without http-parser; split after its request line, http-parser reads that line
    /// first: both readings must give the same head. Anything else still goes to http-parser.
    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: t\r\n\r\n", "HEAD /h?x=1 HTTP/1.1\r\nHost: t\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: t\r\n\r\n", "PUT //u HTTP/1.1\r\nHost: t\r\nA: b\r\n\r\n",
        "PATCH /%41#f HTTP/1.1\r\nHost: t\r\n\r\n", "DELETE /d HTTP/1.0\r\n\r\n",
        "OPTIONS /o HTTP/1.0\r\nHost: t\r\n\r\n", "GET /a!$&'()*+,;=:@-._~\"<>[\\]^`{|}?/?#y#z HTTP/1.1\r\nHost: t\r\n\r\n",
    ])
    func plainHeadsAreReadWithoutHTTPParserAsItWouldReadThem(_ text: String) throws {
        let request = bytes(text)
        let whole = Harness()
        try whole.feed(request)
        #expect(whole.parser.debugLastHeadWasPlain)
        let lineEnd = try #require(text.utf8.firstIndex(of: UInt8(ascii: "\n"))).utf16Offset(in: text) + 1
        let split = Harness()
        try split.feedSplit(request, at: lineEnd)
        #expect(!split.parser.debugLastHeadWasPlain)
        #expect(Summary(whole.recorder) == Summary(split.recorder))
        #expect(whole.recorder.heads[0].keepAlive == text.contains("HTTP/1.1"))
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n", "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
        "PURGE / HTTP/1.1\r\nHost: t\r\n\r\n", "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n", "GET http://h/ HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET / HTTP/1.2\r\nHost: t\r\n\r\n", "GET / HTTP/1.1\r\nHost: t\r\nUpgrade: h2c\r\n\r\n",
    ])
    func otherHeadsStillGoToHTTPParser(_ text: String) throws {
        let harness = Harness()
        try harness.feed(bytes(text))
        #expect(!harness.parser.debugLastHeadWasPlain)
    }

    @Test func manyFieldsAndLongValues() throws {
        let fields = (0..<40).map { "Field-\($0): \(String(repeating: "v", count: $0 * 7))\r\n" }.joined()
        let text = "GET /many HTTP/1.1\r\nHost: t\r\n" + fields + "\r\n"
        let whole = try #require(try parse(text + text).heads.last)
        #expect(whole.headers.count == 41)
        #expect(whole.headers[40].nameString == "field-39" && whole.headers[40].value.count == 273)
        #expect(try parse(text, piece: 13).heads[0].headers == whole.headers)
    }
}

/// Mutated requests: fed whole (line path first) and one byte at a time (byte path only), the
/// verdict must be the same — the same head, or a refusal with the same status.
@Suite struct RequestParserPathAgreementTests {
    static let bases = RequestParserFastPathTests.requests.prefix(6).map { Array($0.utf8) }
    static let interesting: [UInt8] = [13, 10, 32, 9, 0, 0x7f, 0x80, 0xff, 58, 47, 63, 35, 37, 65, 97, 48, 44, 59, 40]

    enum Outcome: Equatable {
        case head(RequestParserFastPathTests.Summary)
        case refused(Int)
        case incomplete
    }

    static func outcome(_ request: [UInt8], piece: Int) -> Outcome {
        let harness = Harness()
        do throws(HTTPParseError) {
            try harness.feed(request, piece: piece)
        } catch {
            return .refused(error.status)
        }
        guard harness.recorder.completed > 0 else { return .incomplete }
        return .head(RequestParserFastPathTests.Summary(harness.recorder))
    }

    @Test func wholeAndBytewiseAgree() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        for _ in 0..<3000 {
            var request = Self.bases[next() % Self.bases.count]
            for _ in 0...(next() % 2) {
                request[next() % request.count] = Self.interesting[next() % Self.interesting.count]
            }
            let whole = Self.outcome(request, piece: .max)
            #expect(whole == Self.outcome(request, piece: 1), "\(String(decoding: request, as: UTF8.self).debugDescription)")
        }
    }
}
