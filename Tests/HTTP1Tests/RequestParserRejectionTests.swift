import Testing

@testable import HTTP1

/// A request the parser must refuse, with the status it must refuse it with.
struct Rejection: Sendable, CustomTestStringConvertible {
    let name: String
    let request: [UInt8]
    let status: Int

    init(_ name: String, _ request: String, _ status: Int = 400) {
        self.name = name
        self.request = Array(request.utf8)
        self.status = status
    }

    init(_ name: String, bytes: [UInt8], _ status: Int) {
        self.name = name
        self.request = bytes
        self.status = status
    }

    var testDescription: String { name }
}

private let chunkedHead = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"

@Suite struct RequestParserRejectionTests {
    static let cases: [Rejection] = [
        // What Debian's non-strict http-parser accepts and we must not.
        Rejection("space before colon in Content-Length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length : 5\r\n\r\nhello"),
        Rejection("space before colon in Transfer-Encoding", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
        Rejection("obs-fold of Transfer-Encoding", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
        Rejection("obs-fold continuation line", "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n\tb\r\n\r\n"),
        Rejection("bare LF line endings", "GET / HTTP/1.1\nHost: x\n\n"),
        Rejection("bare LF after a header", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n"),
        Rejection("bare LF ending the head", "GET / HTTP/1.1\r\nHost: x\r\n\n"),
        Rejection("bare CR in a header value", "GET / HTTP/1.1\r\nHost: x\ry: z\r\n\r\n"),
        Rejection("bare CR after the request line", "GET / HTTP/1.1\rHost: x\r\n\r\n"),
        Rejection("NUL in a header value", "GET / HTTP/1.1\r\nHost: t\r\nX: a\u{0}b\r\n\r\n"),
        Rejection("NUL in a header name", "GET / HTTP/1.1\r\nHost: t\r\nX\u{0}Y: a\r\n\r\n"),
        Rejection("NUL in the target", "GET /a\u{0}b HTTP/1.1\r\nHost: t\r\n\r\n"),
        Rejection("control character in a header value", "GET / HTTP/1.1\r\nHost: t\r\nX: a\u{1}b\r\n\r\n"),
        Rejection("DEL in a header value", "GET / HTTP/1.1\r\nHost: t\r\nX: a\u{7f}b\r\n\r\n"),
        Rejection("non-ASCII in the target", "GET /caf\u{e9} HTTP/1.1\r\nHost: t\r\n\r\n"),
        Rejection("raw byte 0xFF in the target", bytes: Array("GET /a".utf8) + [0xff] + Array(" HTTP/1.1\r\nHost: t\r\n\r\n".utf8), 400),
        Rejection("tab in the target", "GET /a\tb HTTP/1.1\r\nHost: t\r\n\r\n"),
        Rejection("space in a header name", "GET / HTTP/1.1\r\nHost: t\r\nFoo Bar: x\r\n\r\n"),
        Rejection("non-token character in a header name", "GET / HTTP/1.1\r\nHost: t\r\nFoo(bar): x\r\n\r\n"),
        Rejection("whitespace line right after the request line", "GET / HTTP/1.1\r\n Host: x\r\n\r\n"),
        Rejection("empty header name", "GET / HTTP/1.1\r\nHost: t\r\n: x\r\n\r\n"),
        Rejection("header line without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n"),
        Rejection("empty target", "GET  HTTP/1.1\r\nHost: t\r\n\r\n"),
        Rejection("unknown method", "FOO / HTTP/1.1\r\nHost: t\r\n\r\n"),
        Rejection("lower-case method", "get / HTTP/1.1\r\nHost: t\r\n\r\n"),
        Rejection("missing version", "GET /\r\n\r\n"),
        Rejection("garbage version", "GET / HTTP/1.x\r\n\r\n"),
        Rejection("lower-case protocol name", "GET / http/1.1\r\n\r\n"),
        Rejection("two-digit version", "GET / HTTP/11.1\r\n\r\n"),
        // Framing: the library rejects these; checked so that a library change cannot slip by.
        Rejection(
            "Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Rejection(
            "Transfer-Encoding and Content-Length", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"),
        Rejection("duplicate Content-Length", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
        Rejection("Content-Length list 5, 5", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nhello"),
        Rejection("Content-Length +5", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +5\r\n\r\nhello"),
        Rejection("Content-Length -1", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n"),
        Rejection("Content-Length overflow", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
        Rejection("Content-Length not a number", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n"),
        Rejection("Content-Length empty", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length:\r\n\r\n"),
        Rejection("Content-Length 5 5", "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5 5\r\n\r\nhello"),
        Rejection("Transfer-Encoding gzip", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"),
        Rejection("Transfer-Encoding identity", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n\r\n"),
        Rejection("Transfer-Encoding chunked, gzip", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
        Rejection("Transfer-Encoding gzip, chunked", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        Rejection(
            "Transfer-Encoding twice", "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Rejection("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Rejection("bad chunk size zz", chunkedHead + "zz\r\nhello\r\n0\r\n\r\n"),
        Rejection("empty chunk size", chunkedHead + "\r\nhello\r\n0\r\n\r\n"),
        Rejection("chunk size overflow", chunkedHead + "fffffffffffffffff\r\nx\r\n0\r\n\r\n"),
        Rejection("negative chunk size", chunkedHead + "-5\r\nhello\r\n0\r\n\r\n"),
        Rejection("chunk size then garbage", chunkedHead + "5 5\r\nhello\r\n0\r\n\r\n"),
        Rejection("chunk data without CRLF", chunkedHead + "5\r\nhelloXX0\r\n\r\n"),
        Rejection("chunk size line ending in bare LF", chunkedHead + "5\nhello\r\n0\r\n\r\n"),
        Rejection("chunk size line with bare CR", chunkedHead + "5\rXhello\r\n0\r\n\r\n"),
        Rejection("bare LF in chunk extension", chunkedHead + "5;a\nb\r\nhello\r\n0\r\n\r\n"),
        Rejection("whitespace after chunk size", chunkedHead + "5 \r\nhello\r\n0\r\n\r\n"),
        Rejection("whitespace after the last chunk size", chunkedHead + "5\r\nhello\r\n0\t\r\n\r\n"),
        Rejection("chunk extension without a name", chunkedHead + "5;=v\r\nhello\r\n0\r\n\r\n"),
        Rejection("empty chunk extension", chunkedHead + "5;\r\nhello\r\n0\r\n\r\n"),
        Rejection("chunk extension with an empty value", chunkedHead + "5;e=\r\nhello\r\n0\r\n\r\n"),
        Rejection("chunk extension value with a space", chunkedHead + "5;e=v w\r\nhello\r\n0\r\n\r\n"),
        Rejection("unterminated quoted chunk extension", chunkedHead + "5;e=\"open\r\nhello\r\n0\r\n\r\n"),
        Rejection("whitespace before the CRLF of an extension", chunkedHead + "5;e=v \r\nhello\r\n0\r\n\r\n"),
        Rejection(
            "obs-text in a token chunk extension", bytes: Array((chunkedHead + "5;e=").utf8) + [0xe9] + Array("\r\nhello\r\n0\r\n\r\n".utf8), 400),
        Rejection("invalid trailer field", chunkedHead + "0\r\nX : y\r\n\r\n"),
        Rejection("obs-fold in trailer", chunkedHead + "0\r\nX: y\r\n z\r\n\r\n"),
        // Unsupported requests.
        Rejection("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
        Rejection("upgrade request with a body", "POST / HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nhi"),
        Rejection("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505),
        Rejection("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505),
        Rejection("HTTP/3.1", "GET / HTTP/3.1\r\n\r\n", 505),
        // Host and the request target (RFC 9112 §3.2).
        Rejection("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n"),
        Rejection("HTTP/1.1 without Host, other fields present", "GET / HTTP/1.1\r\nX-Host: a\r\n\r\n"),
        Rejection("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
        Rejection("two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"),
        Rejection("Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"),
        Rejection("space inside Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
        Rejection("user information in Host", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n"),
        Rejection("slash in Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
        Rejection("unclosed IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
        Rejection("empty IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: []\r\n\r\n"),
        Rejection("text after an IPv6 literal in Host", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n"),
        Rejection("port out of range in Host", "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n"),
        Rejection("port with a letter in Host", "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n"),
        Rejection("two ports in Host", "GET / HTTP/1.1\r\nHost: a:80:81\r\n\r\n"),
        Rejection("bad percent escape in Host", "GET / HTTP/1.1\r\nHost: a%2\r\n\r\n"),
        Rejection("obs-text in Host", bytes: Array("GET / HTTP/1.1\r\nHost: a".utf8) + [0xe9] + Array("\r\n\r\n".utf8), 400),
        Rejection("relative target", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n"),
        Rejection("asterisk-form outside OPTIONS", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"),
        Rejection("asterisk followed by a path", "OPTIONS */x HTTP/1.1\r\nHost: a\r\n\r\n"),
        Rejection("absolute-form with another scheme", "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n"),
        Rejection("absolute-form without authority", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"),
        Rejection("absolute-form with user information", "GET http://u@a/x HTTP/1.1\r\nHost: a\r\n\r\n"),
        Rejection("absolute-form with a bad port", "GET http://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n"),
        Rejection("absolute-form without Host", "GET http://a/x HTTP/1.1\r\n\r\n"),
        Rejection("scheme without slashes", "GET http:a HTTP/1.1\r\nHost: a\r\n\r\n"),
        // Limits.
        Rejection("head of 16 KiB + 1", bytes: Self.headOfSize(16385), 431),
        Rejection("101 header fields", bytes: Self.headWithFields(101), 431),
        Rejection("target of 8 KiB + 1", bytes: Self.targetOfLength(8193), 414),
        Rejection("huge target also over the head size", bytes: Self.targetOfLength(20000), 414),
        // Judged the same whole or cut: the request line before the size limit (found by fuzzing).
        Rejection(
            "unknown method in a head over the size limit", "FOO / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: 17000) + "\r\n\r\n"),
        Rejection(
            "bad Content-Length in a head with too many fields",
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n" + String(repeating: "A: b\r\n", count: 120) + "\r\n"),
    ]

    @Test(arguments: cases)
    func rejected(_ rejection: Rejection) {
        let (whole, bytewise) = HTTP1Tests.rejection(rejection.request)
        #expect(whole?.status == rejection.status, "\(whole?.description ?? "accepted")")
        #expect(bytewise?.status == rejection.status, "one byte at a time: \(bytewise?.description ?? "accepted")")
        // Each case must fail for its own reason, not for the Host rule that every other case meets.
        if !rejection.name.contains("Host") {
            #expect(whole?.reason != "missing Host header", "\(rejection.name) lacks a Host field")
        }
    }

    @Test func limitsAreInclusive() throws {
        let recorder = Harness()
        try recorder.feed(Self.headOfSize(16384))
        try recorder.feed(Self.headWithFields(100))
        try recorder.feed(Self.targetOfLength(8192))
        #expect(recorder.recorder.completed == 3)
        #expect(recorder.recorder.heads[1].headers.count == 100)
        #expect(recorder.recorder.heads[2].rawPath.count == 8192)
    }

    @Test func leadingEmptyLinesCountTowardsTheHeadSize() {
        let request = Array("\r\n".utf8) + Self.headOfSize(16383)
        #expect(HTTP1Tests.rejection(request).whole?.status == 431)
    }

    @Test func configuredLimitsApply() {
        let limits = ParserLimits(maxHeadSize: 64, maxTargetLength: 10, maxHeaderCount: 2)
        #expect(HTTP1Tests.rejection(Self.targetOfLength(11), limits: limits).whole?.status == 414)
        #expect(HTTP1Tests.rejection(Self.headWithFields(3), limits: limits).whole?.status == 431)
        #expect(HTTP1Tests.rejection(Self.headOfSize(65), limits: limits).whole?.status == 431)
        #expect(HTTP1Tests.rejection(Self.headOfSize(64), limits: limits).whole == nil)
    }

    @Test func reasonsAreSpecific() {
        #expect(HTTP1Tests.rejection(Array("GET / HTTP/1.1\r\nFoo Bar: x\r\n\r\n".utf8)).whole?.reason == "invalid header name")
        #expect(HTTP1Tests.rejection(Array("CONNECT a:1 HTTP/1.1\r\n\r\n".utf8)).whole?.reason == "CONNECT not supported")
        #expect(
            HTTP1Tests.rejection(Array("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
                .whole?.reason == "both Content-Length and Transfer-Encoding")
    }

    /// `GET / HTTP/1.1` plus `Host` and one `X: aaa…` field, `size` bytes in all.
    static func headOfSize(_ size: Int) -> [UInt8] {
        let fixed = "GET / HTTP/1.1\r\nHost: t\r\nX: \r\n\r\n".utf8.count
        return Array(("GET / HTTP/1.1\r\nHost: t\r\nX: " + String(repeating: "a", count: size - fixed) + "\r\n\r\n").utf8)
    }

    static func headWithFields(_ count: Int) -> [UInt8] {
        Array(("GET / HTTP/1.1\r\nHost: t\r\n" + (1..<count).map { "H\($0): v\r\n" }.joined() + "\r\n").utf8)
    }

    static func targetOfLength(_ length: Int) -> [UInt8] {
        Array(("GET /" + String(repeating: "p", count: length - 1) + " HTTP/1.1\r\nHost: t\r\n\r\n").utf8)
    }
}
