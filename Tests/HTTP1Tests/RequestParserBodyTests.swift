import ASGI
import Testing

@testable import HTTP1

@Suite struct RequestParserBodyTests {
    static let contentLengthRequest = bytes("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world")
    static let chunkedRequest = bytes(
        "POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n")

    @Test func contentLengthBody() throws {
        let harness = Harness()
        let ends = try harness.feed(Self.contentLengthRequest)
        #expect(ends == [Self.contentLengthRequest.count])
        let head = try #require(harness.recorder.heads.first)
        #expect(head.contentLength == 11 && head.hasBody && !head.isChunked)
        #expect(harness.recorder.bodies == [bytes("hello world")])
        #expect(harness.recorder.completed == 1)
    }

    @Test func contentLengthBodySplitAtEveryBoundary() throws {
        let request = Self.contentLengthRequest
        for split in 0...request.count {
            let harness = Harness()
            try harness.feedSplit(request, at: split)
            #expect(harness.recorder.bodies == [bytes("hello world")], "split at \(split)")
            #expect(harness.recorder.completed == 1, "split at \(split)")
        }
    }

    @Test func contentLengthBodyOneByteAtATime() throws {
        let harness = Harness()
        try harness.feed(Self.contentLengthRequest, piece: 1)
        #expect(harness.recorder.bodies == [bytes("hello world")])
        #expect(harness.recorder.bodyCallbacks == 11)
        #expect(harness.recorder.completed == 1)
    }

    @Test func zeroContentLengthHasNoBody() throws {
        let recorder = try parse("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        #expect(recorder.heads.first?.contentLength == 0)
        #expect(recorder.heads.first?.hasBody == false)
        #expect(recorder.completed == 1 && recorder.bodyCallbacks == 0)
    }

    @Test func chunkedBodyIsDechunked() throws {
        let harness = Harness()
        let ends = try harness.feed(Self.chunkedRequest)
        #expect(ends == [Self.chunkedRequest.count])
        let head = try #require(harness.recorder.heads.first)
        #expect(head.isChunked && head.hasBody && head.contentLength == nil)
        #expect(harness.recorder.bodies == [bytes("Wikipedia in\r\n\r\nchunks.")])
        #expect(harness.recorder.completed == 1)
    }

    @Test func chunkedBodyOneByteAtATimeAndEverySplit() throws {
        let expected = [bytes("Wikipedia in\r\n\r\nchunks.")]
        let bytewise = Harness()
        try bytewise.feed(Self.chunkedRequest, piece: 1)
        #expect(bytewise.recorder.bodies == expected)
        #expect(bytewise.recorder.completed == 1)
        for split in 0...Self.chunkedRequest.count {
            let harness = Harness()
            try harness.feedSplit(Self.chunkedRequest, at: split)
            #expect(harness.recorder.bodies == expected, "split at \(split)")
            #expect(harness.recorder.completed == 1, "split at \(split)")
        }
    }

    @Test func chunkExtensionsOfEveryValidShapeAreIgnored() throws {
        // RFC 9112 §7.1.1: token names, token or quoted values, BWS around ";" and "=".
        let text =
            "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "2;a\r\nab\r\n2;a=b;c=\"x \\\" y\";d\r\ncd\r\n2 ; e = f\t;g\r\nef\r\n2;h=\"\u{e9}\"\r\ngh\r\n0;last\r\n\r\n"
        for piece in [Int.max, 1] {
            let recorder = try parse(text, piece: piece)
            #expect(recorder.bodies == [bytes("abcdefgh")])
            #expect(recorder.completed == 1)
        }
    }

    @Test func chunkExtensionsAreIgnored() throws {
        let recorder = try parse(
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ; a=\"quoted; \" ;b\r\n world\r\n0;last\r\n\r\n")
        #expect(recorder.bodies == [bytes("hello world")])
        #expect(recorder.completed == 1)
    }

    @Test func trailersAreParsedButNotDelivered() throws {
        let request = bytes(
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
                + "3\r\nabc\r\n0\r\nX-Checksum: 42\r\nX-Other: y\r\n\r\n" + "GET /next HTTP/1.1\r\nHost: t\r\n\r\n")
        for piece in [Int.max, 1] {
            let harness = Harness()
            let ends = try harness.feed(request, piece: piece)
            #expect(ends == [request.count - 31, request.count])
            #expect(harness.recorder.bodies == [bytes("abc"), []])
            #expect(harness.recorder.heads[0].headers.count == 3)
            #expect(harness.recorder.heads[0].headers["x-checksum"] == nil)
            #expect(harness.recorder.heads[1].path == "/next")
        }
    }

    @Test func threePipelinedRequests() throws {
        let first = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
        let second = "POST /two HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
        let third = "POST /three HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        let all = bytes(first + second + third)
        let harness = Harness()
        let results = try all.withUnsafeBytes { raw -> [RequestParser.FeedResult] in
            var results: [RequestParser.FeedResult] = []
            var rest = raw
            while !rest.isEmpty {
                let result = try harness.parser.feed(rest)
                results.append(result)
                guard case .messageComplete(let consumed) = result else { break }
                rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
            }
            return results
        }
        #expect(
            results == [
                .messageComplete(consumed: first.utf8.count),
                .messageComplete(consumed: second.utf8.count),
                .messageComplete(consumed: third.utf8.count),
            ])
        #expect(harness.recorder.heads.map(\.path) == ["/one", "/two", "/three"])
        #expect(harness.recorder.bodies == [[], bytes("hello"), bytes("hi")])
        #expect(harness.recorder.completed == 3)
    }

    @Test func parserStopsAfterEachMessage() throws {
        let harness = Harness()
        let all = bytes("GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n")
        let result = try all.withUnsafeBytes { try harness.parser.feed($0) }
        #expect(result == .messageComplete(consumed: 28))
        #expect(harness.recorder.heads.count == 1)
        #expect(harness.parser.isIdle)
    }

    @Test func largeBodyInOneCallback() throws {
        let body = [UInt8](repeating: UInt8(ascii: "z"), count: 100_000)
        let request = bytes("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n") + body
        let harness = Harness()
        try harness.feed(request)
        #expect(harness.recorder.bodies == [body])
        #expect(harness.recorder.bodyCallbacks == 1)
    }
}
