import ASGI
import Testing

@testable import HTTP1

@Suite struct RequestParserTests {
    @Test func simpleGet() throws {
        let request = bytes("GET /hello/world?a=1&b=2 HTTP/1.1\r\nHost: example.com\r\nX-Custom-Header: Value\r\n\r\n")
        let harness = Harness()
        let ends = try harness.feed(request)
        #expect(ends == [request.count])
        let head = try #require(harness.recorder.heads.first)
        #expect(head.method == "GET")
        #expect(head.path == "/hello/world")
        #expect(head.rawPath == bytes("/hello/world"))
        #expect(head.queryString == bytes("a=1&b=2"))
        #expect(head.headers == [("host", "example.com"), ("x-custom-header", "Value")])
        #expect(head.versionMajor == 1 && head.versionMinor == 1 && head.httpVersion == "1.1")
        #expect(head.keepAlive)
        #expect(head.contentLength == nil && !head.isChunked && !head.hasBody && !head.expectsContinue)
        #expect(harness.recorder.completed == 1)
        #expect(harness.recorder.bodyCallbacks == 0)
    }

    @Test func percentDecodedPathAndRawPath() throws {
        let head = try #require(try parse("GET /a%20b?x=%2F HTTP/1.1\r\nHost: t\r\n\r\n").heads.first)
        #expect(head.path == "/a b")
        #expect(head.rawPath == bytes("/a%20b"))
        #expect(head.queryString == bytes("x=%2F"))
    }

    @Test func invalidEscapesKeptAndInvalidUTF8Replaced() throws {
        let head = try #require(try parse("GET /%E2%82%AC/%zz/%4/%ff%41 HTTP/1.1\r\nHost: t\r\n\r\n").heads.first)
        #expect(head.path == "/€/%zz/%4/\u{FFFD}A")
        #expect(head.rawPath == bytes("/%E2%82%AC/%zz/%4/%ff%41"))
    }

    @Test func hostRules() throws {
        let recorder = try parse(
            "GET / HTTP/1.0\r\n\r\n" + "GET / HTTP/1.1\r\nHost:\r\n\r\n"
                + "GET / HTTP/1.1\r\nHOST: Example.COM:8080\r\n\r\n" + "GET / HTTP/1.1\r\nhost: [::1]:6000\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: 127.0.0.1:\r\n\r\n" + "GET / HTTP/1.1\r\nHost: xn--bcher-kva.example\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: a%2Eb_c~d\r\n\r\n" + "GET / HTTP/1.1\r\nHost: [v1.fe80::a+en1]\r\n\r\n")
        #expect(recorder.heads.count == 8)
        #expect(recorder.heads[1].headers["host"] == "")
        #expect(recorder.heads[2].headers["host"] == "Example.COM:8080")
    }

    @Test func absoluteFormAuthorityWinsOverHost() throws {
        let recorder = try parse(
            "GET HTTP://a.example:81/x?y HTTP/1.1\r\nHost: other.example\r\nX: 1\r\n\r\n"
                + "GET https://[::1]/ HTTP/1.1\r\nHost: b\r\n\r\n")
        #expect(recorder.heads.count == 2)
        #expect(recorder.heads[0].rawPath == bytes("/x") && recorder.heads[0].queryString == bytes("y"))
        #expect(recorder.heads[0].headers.values(name: "host") == ["a.example:81"])
        #expect(recorder.heads[0].headers["x"] == "1")
        #expect(recorder.heads[1].headers.values(name: "host") == ["[::1]"])
    }

    @Test func absoluteFormTarget() throws {
        let recorder = try parse(
            "GET http://example.com:8080/p/q?x=1#frag HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET http://example.com HTTP/1.1\r\nHost: t\r\n\r\n" + "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n"
                + "GET /only#frag HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(recorder.heads.count == 4)
        #expect(recorder.heads[0].rawPath == bytes("/p/q"))
        #expect(recorder.heads[0].queryString == bytes("x=1"))
        #expect(recorder.heads[1].rawPath == bytes("/") && recorder.heads[1].path == "/")
        #expect(recorder.heads[2].method == "OPTIONS" && recorder.heads[2].rawPath == bytes("*"))
        #expect(recorder.heads[3].path == "/only" && recorder.heads[3].queryString.isEmpty)
    }

    @Test func duplicateHeadersKeptInOrder() throws {
        let head = try #require(
            try parse("GET / HTTP/1.1\r\nHost: t\r\nSet-Cookie: a=1\r\nX: 1\r\nset-cookie: b=2\r\nSET-COOKIE: c=3\r\n\r\n").heads.first)
        #expect(head.headers == [("host", "t"), ("set-cookie", "a=1"), ("x", "1"), ("set-cookie", "b=2"), ("set-cookie", "c=3")])
        #expect(head.headers.values(name: "set-cookie") == ["a=1", "b=2", "c=3"])
    }

    @Test func valuesTrimmedAndEmptyValuesKept() throws {
        let head = try #require(
            try parse("GET / HTTP/1.1\r\nHost: t\r\nA:   spaced out \t \r\nB:\r\nC: \t\r\nD:x\r\n\r\n").heads.first)
        #expect(head.headers == [("host", "t"), ("a", "spaced out"), ("b", ""), ("c", ""), ("d", "x")])
    }

    @Test func obsTextInValueIsKept() throws {
        let head = try #require(try parse("GET / HTTP/1.1\r\nHost: t\r\nX: caf\u{e9}\r\n\r\n").heads.first)
        #expect(head.headers["x"] == "café")
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: t\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: t\r\nConnection: Close\r\n\r\n", false),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
    ])
    func keepAliveRules(request: String, keepAlive: Bool) throws {
        let head = try #require(try parse(request).heads.first)
        #expect(head.keepAlive == keepAlive)
    }

    @Test func versions() throws {
        let recorder = try parse("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.2\r\nHost: t\r\n\r\n")
        #expect(recorder.heads[0].httpVersion == "1.0" && recorder.heads[0].versionMinor == 0)
        #expect(recorder.heads[1].httpVersion == "1.1" && recorder.heads[1].versionMinor == 2)
    }

    @Test func upgradeHeaderFlag() throws {
        let recorder = try parse(
            "GET / HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: t\r\nUPGRADE: h2c\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\n\r\n")
        #expect(recorder.heads.map(\.hasUpgradeHeader) == [true, true, false])
    }

    @Test func expectContinueFlag() throws {
        let recorder = try parse(
            "POST / HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx"
                + "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"
                + "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")
        #expect(recorder.heads.map(\.expectsContinue) == [true, false, false])
    }

    @Test func connectionCloseThenMoreBytesStillParse() throws {
        let recorder = try parse("GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(recorder.heads.map(\.path) == ["/a", "/b"])
        #expect(recorder.heads.map(\.keepAlive) == [false, true])
    }

    @Test func upgradeWithoutBodyIsAnOrdinaryRequest() throws {
        let request = bytes(
            "GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\nHost: t\r\n\r\n")
        let harness = Harness()
        let ends = try harness.feed(request)
        #expect(ends.count == 2 && ends.last == request.count)
        #expect(harness.recorder.heads.map(\.path) == ["/ws", "/next"])
        #expect(harness.recorder.heads[0].headers["upgrade"] == "websocket")
        #expect(harness.recorder.completed == 2)
    }

    @Test func leadingEmptyLinesAreSkipped() throws {
        let head = try #require(try parse("\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\n\r\n").heads.first)
        #expect(head.path == "/x")
    }

    @Test func oneByteAtATimeGivesTheSameHead() throws {
        let text = "GET /a%2Fb?q=1 HTTP/1.1\r\nHost: h\r\nLong-Header-Name: some longer value here\r\nE:\r\n\r\n"
        let whole = try #require(try parse(text).heads.first)
        let bytewise = try #require(try parse(text, piece: 1).heads.first)
        #expect(whole.headers == bytewise.headers)
        #expect(whole.rawPath == bytewise.rawPath && whole.path == bytewise.path)
        #expect(whole.queryString == bytewise.queryString)
        #expect(bytewise.headers.count == 3)
    }

    @Test func idleAndReadingHeadStates() throws {
        let harness = Harness()
        #expect(harness.parser.isIdle && !harness.parser.isReadingHead)
        try harness.feed(bytes("GET / HT"))
        #expect(!harness.parser.isIdle && harness.parser.isReadingHead)
        try harness.feed(bytes("TP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nab"))
        #expect(!harness.parser.isIdle && !harness.parser.isReadingHead)
        try harness.feed(bytes("c"))
        #expect(harness.parser.isIdle && !harness.parser.isReadingHead)
        #expect(harness.recorder.completed == 1)
    }

    @Test func stateSeenByTheDelegate() throws {
        final class Observer: RequestParserDelegate {
            var seen: [String] = []
            func parser(_ parser: RequestParser, didParseHead head: RequestHead) {
                seen.append("head idle=\(parser.isIdle) readingHead=\(parser.isReadingHead)")
            }
            func parser(_ parser: RequestParser, didReceiveBody chunk: UnsafeRawBufferPointer) {}
            func parserDidCompleteMessage(_ parser: RequestParser) {
                seen.append("end idle=\(parser.isIdle) readingHead=\(parser.isReadingHead)")
            }
        }
        let observer = Observer()
        let parser = RequestParser()
        parser.delegate = observer
        let result = try bytes("GET / HTTP/1.1\r\nHost: t\r\n\r\n").withUnsafeBytes { try parser.feed($0) }
        #expect(result == .messageComplete(consumed: 27))
        #expect(observer.seen == ["head idle=false readingHead=false", "end idle=true readingHead=false"])
    }

    @Test func deadAfterError() throws {
        let harness = Harness()
        #expect(throws: HTTPParseError.self) { try harness.feed(bytes("GET / HTTP/1.1\r\nHost: t\r\nA B: c\r\n\r\n")) }
        let again = rejectionOf(harness, bytes("GET / HTTP/1.1\r\nHost: t\r\n\r\n"))
        #expect(again?.status == 400)
        #expect(harness.recorder.heads.isEmpty)
    }

    @Test func emptyFeedNeedsMore() throws {
        let parser = RequestParser()
        #expect(try parser.feed(UnsafeRawBufferPointer(start: nil, count: 0)) == .needMore)
        #expect(parser.isIdle)
    }

    private func rejectionOf(_ harness: Harness, _ bytes: [UInt8]) -> HTTPParseError? {
        do throws(HTTPParseError) {
            try harness.feed(bytes)
            return nil
        } catch { return error }
    }
}
