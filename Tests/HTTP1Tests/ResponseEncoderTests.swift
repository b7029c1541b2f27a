import ASGI
import Testing

@testable import HTTP1

@Suite struct ResponseEncoderTests {
    static let keepAlive11 = RequestInfo(isHead: false, versionMinor: 1, keepAlive: true)
    static let date = bytes("Thu, 01 Jan 1970 00:00:00 GMT")

    func encode(
        status: Int = 200, _ headers: Headers = [], request: RequestInfo = keepAlive11, bodyLength: Int? = nil,
        date: [UInt8]? = nil, server: [UInt8]? = nil, extra: Headers? = nil
    ) throws(ASGIError) -> (String, ResponseFraming) {
        var buffer: [UInt8] = []
        let framing = try ResponseEncoder.encodeHead(
            status: status, headers: headers, request: request, bodyLength: bodyLength, date: date,
            server: server, extraHeaders: extra, into: &buffer)
        return (String(decoding: buffer, as: UTF8.self), framing)
    }

    @Test func oneShotWithComputedLengthDateAndServer() throws {
        let (head, framing) = try encode(
            [("content-type", "text/plain")], bodyLength: 5, date: Self.date, server: bytes("swiftasgi"))
        #expect(
            head == "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
                + "server: swiftasgi\r\ncontent-length: 5\r\n\r\n")
        #expect(framing == ResponseFraming(body: .contentLength(5), keepAlive: true))
    }

    @Test func appendsToExistingBuffer() throws {
        var buffer = bytes("prefix")
        _ = try ResponseEncoder.encodeHead(
            status: 404, headers: [], request: Self.keepAlive11, bodyLength: 0, date: nil, server: nil, into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "prefixHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
    }

    @Test func appHeadersKeptAsGiven() throws {
        let (head, framing) = try encode(
            [("Content-Length", "3"), ("Date", "yesterday"), ("Server", "mine"), ("X-Mixed-Case", "V")],
            date: Self.date, server: bytes("swiftasgi"))
        #expect(head == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nDate: yesterday\r\nServer: mine\r\nX-Mixed-Case: V\r\n\r\n")
        #expect(framing == ResponseFraming(body: .contentLength(3), keepAlive: true))
    }

    @Test func appContentLengthMustMatchAKnownBody() {
        #expect(throws: ASGIError.self) { try encode([("content-length", "3")], bodyLength: 4) }
        #expect((try? encode([("content-length", "4")], bodyLength: 4))?.1.body == .contentLength(4))
    }

    @Test func streamingHTTP11IsChunked() throws {
        let (head, framing) = try encode([("content-type", "text/plain")])
        #expect(head == "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n")
        #expect(framing == ResponseFraming(body: .chunked, keepAlive: true))
        let (appChunked, appFraming) = try encode([("Transfer-Encoding", "chunked")])
        #expect(appChunked == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(appFraming.body == .chunked)
    }

    @Test func streamingHTTP10IsCloseDelimited() throws {
        let keepAlive10 = RequestInfo(isHead: false, versionMinor: 0, keepAlive: true)
        let (head, framing) = try encode(request: keepAlive10)
        #expect(head == "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n")
        #expect(framing == ResponseFraming(body: .closeDelimited, keepAlive: false))
        let plain10 = RequestInfo(isHead: false, versionMinor: 0, keepAlive: false)
        let (plainHead, plainFraming) = try encode(request: plain10)
        #expect(plainHead == "HTTP/1.1 200 OK\r\n\r\n")
        #expect(plainFraming == ResponseFraming(body: .closeDelimited, keepAlive: false))
    }

    @Test func http10KeepAliveResponse() throws {
        let (head, framing) = try encode(request: RequestInfo(isHead: false, versionMinor: 0, keepAlive: true), bodyLength: 2)
        #expect(head == "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n")
        #expect(framing == ResponseFraming(body: .contentLength(2), keepAlive: true))
    }

    @Test func headResponses() throws {
        let head = RequestInfo(isHead: true, versionMinor: 1, keepAlive: true)
        let (known, knownFraming) = try encode(request: head, bodyLength: 10)
        #expect(known == "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n")
        #expect(knownFraming == ResponseFraming(body: .none, keepAlive: true))
        let (app, appFraming) = try encode([("content-length", "1234")], request: head, bodyLength: 0)
        #expect(app == "HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n")
        #expect(appFraming.body == .none)
        let (streaming, streamingFraming) = try encode(request: head)
        #expect(streaming == "HTTP/1.1 200 OK\r\n\r\n")
        #expect(streamingFraming == ResponseFraming(body: .none, keepAlive: true))
    }

    @Test func headWithAnEmptyOneShotBodyGivesNoLength() throws {
        // The GET might stream: an empty one-shot answer to HEAD says nothing of its length.
        let head = RequestInfo(isHead: true, versionMinor: 1, keepAlive: true)
        let (empty, framing) = try encode(request: head, bodyLength: 0)
        #expect(empty == "HTTP/1.1 200 OK\r\n\r\n")
        #expect(framing == ResponseFraming(body: .none, keepAlive: true))
    }

    @Test func applicationChunkedIsNotPassedToHTTP10() throws {
        let http10 = RequestInfo(isHead: false, versionMinor: 0, keepAlive: true)
        let (streamed, streamedFraming) = try encode([("Transfer-Encoding", "chunked"), ("x", "1")], request: http10)
        #expect(streamed == "HTTP/1.1 200 OK\r\nx: 1\r\nconnection: close\r\n\r\n")
        #expect(streamedFraming == ResponseFraming(body: .closeDelimited, keepAlive: false))
        let (oneShot, oneShotFraming) = try encode([("transfer-encoding", "chunked")], request: http10, bodyLength: 3)
        #expect(oneShot == "HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: keep-alive\r\n\r\n")
        #expect(oneShotFraming == ResponseFraming(body: .contentLength(3), keepAlive: true))
        // HTTP/1.1 keeps the application's header and chunks.
        let (kept, keptFraming) = try encode([("transfer-encoding", "chunked")])
        #expect(kept == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        #expect(keptFraming.body == .chunked)
    }

    @Test(arguments: [204, 304, 100, 103])
    func statusesWithoutBody(status: Int) throws {
        let (head, framing) = try encode(status: status, bodyLength: 5, date: Self.date)
        #expect(!head.contains("content-length") && !head.contains("transfer-encoding"))
        #expect(head.contains("date: ") == (status >= 200))
        #expect(framing.body == .none)
        let (streamed, streamedFraming) = try encode(status: status)
        #expect(!streamed.contains("transfer-encoding"))
        #expect(streamedFraming.body == .none)
    }

    @Test func notModifiedKeepsAppContentLength() throws {
        let (head, framing) = try encode(status: 304, [("content-length", "99")], bodyLength: 0)
        #expect(head == "HTTP/1.1 304 Not Modified\r\ncontent-length: 99\r\n\r\n")
        #expect(framing.body == .none)
    }

    @Test func connectionClose() throws {
        let closing = RequestInfo(isHead: false, versionMinor: 1, keepAlive: false)
        let (head, framing) = try encode(request: closing, bodyLength: 0)
        #expect(head == "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        #expect(framing == ResponseFraming(body: .contentLength(0), keepAlive: false))
        let (app, appFraming) = try encode([("Connection", "Close")], bodyLength: 0)
        #expect(app == "HTTP/1.1 200 OK\r\nConnection: Close\r\ncontent-length: 0\r\n\r\n")
        #expect(appFraming.keepAlive == false)
    }

    @Test(arguments: [
        ("x", "a\rb"), ("x", "a\nb"), ("x", "a\u{0}b"), ("x", "ok\r\nSet-Cookie: evil=1"),
        ("bad name", "v"), ("", "v"), ("x:y", "v"), ("caf\u{e9}", "v"),
    ])
    func headerInjectionIsRefused(name: String, value: String) {
        var buffer = bytes("kept")
        do {
            _ = try ResponseEncoder.encodeHead(
                status: 200, headers: [("ok", "1"), (name, value)], request: Self.keepAlive11, bodyLength: 0,
                date: nil, server: nil, into: &buffer)
            Issue.record("accepted \(name): \(value)")
        } catch {
            #expect(error.isInvalidHeader)
        }
        #expect(buffer == bytes("kept"))
    }

    @Test func extraHeadersAreValidatedAndWritten() throws {
        #expect(throws: ASGIError.self) { try encode(extra: [("x", "a\nb")]) }
        let (head, _) = try encode([("a", "1")], bodyLength: 0, extra: [("x-extra", "2")])
        #expect(head == "HTTP/1.1 200 OK\r\na: 1\r\nx-extra: 2\r\ncontent-length: 0\r\n\r\n")
    }

    @Test func invalidStatusAndContentLength() {
        for status in [0, 99, 1000, -200] {
            let error = #expect(throws: ASGIError.self) { try encode(status: status) }
            #expect(error?.isProtocolViolation == true, "status \(status)")
        }
        for value in ["abc", "-1", "+5", "5, 5", "", "99999999999999999999999"] {
            let error = #expect(throws: ASGIError.self) { try encode([("content-length", value)]) }
            #expect(error?.isProtocolViolation == true, "content-length \(value)")
        }
        let both = #expect(throws: ASGIError.self) {
            try encode([("content-length", "1"), ("transfer-encoding", "chunked")])
        }
        #expect(both?.isProtocolViolation == true)
    }

    @Test func unknownStatusHasEmptyReason() throws {
        let (head, _) = try encode(status: 599, bodyLength: 0)
        #expect(head == "HTTP/1.1 599 \r\ncontent-length: 0\r\n\r\n")
        #expect(ResponseEncoder.reasonPhrase(200) == "OK")
        #expect(ResponseEncoder.reasonPhrase(404) == "Not Found")
        #expect(ResponseEncoder.reasonPhrase(431) == "Request Header Fields Too Large")
        #expect(ResponseEncoder.reasonPhrase(799) == "")
    }

    @Test func chunks() throws {
        var buffer: [UInt8] = []
        bytes("hello").withUnsafeBytes { ResponseEncoder.encodeChunk($0, into: &buffer) }
        [UInt8](repeating: 97, count: 26).withUnsafeBytes { ResponseEncoder.encodeChunk($0, into: &buffer) }
        [UInt8]().withUnsafeBytes { ResponseEncoder.encodeChunk($0, into: &buffer) }
        #expect(buffer == bytes("5\r\nhello\r\n1a\r\n" + String(repeating: "a", count: 26) + "\r\n"))
        var last: [UInt8] = []
        try ResponseEncoder.encodeLastChunk(trailers: nil, into: &last)
        #expect(last == bytes("0\r\n\r\n"))
        var withTrailers: [UInt8] = []
        try ResponseEncoder.encodeLastChunk(trailers: [("X-Checksum", "42"), ("x-b", "c")], into: &withTrailers)
        #expect(withTrailers == bytes("0\r\nX-Checksum: 42\r\nx-b: c\r\n\r\n"))
        var refused = bytes("kept")
        #expect(throws: ASGIError.self) { try ResponseEncoder.encodeLastChunk(trailers: [("x", "a\r\n")], into: &refused) }
        #expect(refused == bytes("kept"))
    }

    @Test func errorResponseBytes() {
        let plain = ResponseEncoder.errorResponse(status: 400, date: nil, server: nil)
        #expect(
            String(decoding: plain, as: UTF8.self) == "HTTP/1.1 400 Bad Request\r\n"
                + "content-type: text/plain; charset=utf-8\r\ncontent-length: 12\r\nconnection: close\r\n\r\nBad Request\n")
        let full = ResponseEncoder.errorResponse(status: 431, message: "head too large", date: Self.date, server: bytes("s"))
        #expect(
            String(decoding: full, as: UTF8.self) == "HTTP/1.1 431 Request Header Fields Too Large\r\n"
                + "content-type: text/plain; charset=utf-8\r\ncontent-length: 15\r\nconnection: close\r\n"
                + "date: Thu, 01 Jan 1970 00:00:00 GMT\r\nserver: s\r\n\r\nhead too large\n")
    }

    @Test func continueResponseBytes() {
        #expect(ResponseEncoder.continueResponse == bytes("HTTP/1.1 100 Continue\r\n\r\n"))
    }

    @Test(arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (4_102_444_800, "Fri, 01 Jan 2100 00:00:00 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ])
    func httpDate(seconds: Int, expected: String) {
        #expect(String(decoding: ResponseEncoder.httpDate(unixSeconds: seconds), as: UTF8.self) == expected)
    }

    /// The per-second refresh rewrites the cached value in its own storage.
    @Test func httpDateIntoAnUnsharedBufferKeepsItsStorage() {
        var value = ResponseEncoder.httpDate(unixSeconds: 0)
        let storage = value.withUnsafeBufferPointer { $0.baseAddress }
        ResponseEncoder.httpDate(unixSeconds: 784_111_777, into: &value)
        #expect(String(decoding: value, as: UTF8.self) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(value.withUnsafeBufferPointer { $0.baseAddress } == storage)
        // A copy held elsewhere keeps its own text.
        let held = value
        ResponseEncoder.httpDate(unixSeconds: 0, into: &value)
        #expect(String(decoding: held, as: UTF8.self) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(String(decoding: value, as: UTF8.self) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
