import ASGI
import Testing

@testable import HTTP1

/// The encoder writes through a 512-byte stack scratch (`HeadWriter`) flushed into the output
/// array: heads larger than it, values larger than it, and failures after a flush must come out
/// exactly as with direct appends.
@Suite struct ResponseEncoderWriterTests {
    static let keepAlive11 = RequestInfo(isHead: false, versionMinor: 1, keepAlive: true)

    func head(status: Int = 200, _ headers: Headers, bodyLength: Int?, into buffer: inout [UInt8]) throws(ASGIError) {
        _ = try ResponseEncoder.encodeHead(
            status: status, headers: headers, request: Self.keepAlive11, bodyLength: bodyLength,
            date: bytes("Thu, 01 Jan 1970 00:00:00 GMT"), server: bytes("swiftasgi"), into: &buffer)
    }

    static func expected(_ status: String, _ pairs: [(String, String)], length: Int) -> [UInt8] {
        bytes(
            "HTTP/1.1 \(status)\r\n" + pairs.map { "\($0.0): \($0.1)\r\n" }.joined()
                + "date: Thu, 01 Jan 1970 00:00:00 GMT\r\nserver: swiftasgi\r\ncontent-length: \(length)\r\n\r\n")
    }

    @Test(arguments: [0, 1, 3, 12, 40, 600])
    func headsOfEverySize(fieldCount: Int) throws {
        let pairs = (0..<fieldCount).map { ("X-Field-\($0)", String(repeating: "v", count: $0 % 50)) }
        var buffer = bytes("prefix")
        try head(Headers(pairs), bodyLength: 7, into: &buffer)
        #expect(buffer == bytes("prefix") + Self.expected("200 OK", pairs, length: 7))
    }

    @Test func valueLargerThanTheScratch() throws {
        let pairs = [("a", "1"), ("x-big", String(repeating: "b", count: 3000)), ("z", "2")]
        var buffer: [UInt8] = []
        try head(status: 404, Headers(pairs), bodyLength: 0, into: &buffer)
        #expect(buffer == Self.expected("404 Not Found", pairs, length: 0))
    }

    @Test func failureAfterAFlushLeavesTheBufferUnchanged() {
        var pairs = (0..<30).map { ("X-Field-\($0)", String(repeating: "v", count: 40)) }
        pairs.append(("x-bad", "a\nb"))
        var buffer = bytes("kept")
        #expect(throws: ASGIError.self) { try head(Headers(pairs), bodyLength: 0, into: &buffer) }
        #expect(buffer == bytes("kept"))
        var trailers = bytes("kept")
        #expect(throws: ASGIError.self) { try ResponseEncoder.encodeLastChunk(trailers: Headers(pairs), into: &trailers) }
        #expect(trailers == bytes("kept"))
    }

    @Test(arguments: [0, 7, 9, 10, 99, 100, 65_535, 999_999, 1_000_000, 123_456_789_012, Int.max])
    func contentLengths(length: Int) throws {
        var buffer: [UInt8] = []
        try head([], bodyLength: length, into: &buffer)
        #expect(buffer == Self.expected("200 OK", [], length: length))
    }

    @Test func everyStatusLine() throws {
        for status in 100...999 {
            var buffer: [UInt8] = []
            _ = try ResponseEncoder.encodeHead(
                status: status, headers: [], request: Self.keepAlive11, bodyLength: 0, date: nil, server: nil,
                into: &buffer)
            let line = "HTTP/1.1 \(status) \(ResponseEncoder.reasonPhrase(status))\r\n"
            #expect(buffer.starts(with: bytes(line)), "status \(status)")
        }
        #expect(ResponseEncoder.reasonPhrase(418) == "I'm a teapot")
        #expect(ResponseEncoder.reasonPhrase(511) == "Network Authentication Required")
        #expect(ResponseEncoder.reasonPhrase(100) == "Continue")
    }

    @Test func largeTrailerSection() throws {
        let pairs = (0..<40).map { ("X-T-\($0)", String(repeating: "t", count: 30)) }
        var buffer: [UInt8] = []
        try ResponseEncoder.encodeLastChunk(trailers: Headers(pairs), into: &buffer)
        #expect(buffer == bytes("0\r\n" + pairs.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"))
    }
}

/// `Headers.appendRaw` copies name and value at once when they are adjacent in memory (the
/// parser's layout), and separately otherwise.
@Suite struct HeadersAppendRawTests {
    @Test func adjacentAndSeparateParts() {
        var headers = Headers()
        let joined = bytes("content-typetext/plain")
        joined.withUnsafeBytes { raw in
            headers.appendRaw(
                name: UnsafeRawBufferPointer(rebasing: raw[..<12]), value: UnsafeRawBufferPointer(rebasing: raw[12...]))
            headers.appendRaw(name: UnsafeRawBufferPointer(rebasing: raw[..<7]), value: UnsafeRawBufferPointer(rebasing: raw[22...]))
        }
        bytes("x-a").withUnsafeBytes { name in
            bytes("1").withUnsafeBytes { value in headers.appendRaw(name: name, value: value) }
            headers.appendRaw(name: name, value: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        #expect(headers == [("content-type", "text/plain"), ("content", ""), ("x-a", "1"), ("x-a", "")])
    }
}
