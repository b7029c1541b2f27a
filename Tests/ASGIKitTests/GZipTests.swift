import ASGI
import CZlib
import Synchronization
import Testing

@testable import ASGIKit

/// Serialized: the tests that check every zlib stream was ended count the streams of the process.
@Suite(.serialized) struct GZipTests {
    static let acceptGzip: Headers = [("accept-encoding", "gzip, deflate")]
    /// About 150 KB of repetitive text.
    static let largeBody = bytes((0..<5000).map { "item \($0): the quick brown fox jumps over the lazy dog\n" }.joined())

    static func oneShot(_ body: [UInt8], status: Int = 200, headers: Headers = [("content-type", "text/plain")]) -> Application {
        { _, _, send in
            try await send(.responseStart(status: status, headers: headers))
            try await send(.responseBody(body))
        }
    }

    static func streaming(_ chunks: [[UInt8]], headers: Headers = [("content-type", "text/plain")]) -> Application {
        { _, _, send in
            try await send(.responseStart(status: 200, headers: headers))
            for chunk in chunks { try await send(.responseBody(chunk, moreBody: true)) }
            try await send(.responseBody([]))
        }
    }

    static var openStreams: Int { GZipDeflater.openCount.load(ordering: .relaxed) }

    @Test func largeOneShotBodyRoundTrips() async throws {
        let headers: Headers = [("content-type", "text/plain"), ("content-length", "\(Self.largeBody.count)")]
        let app = GZip().middleware(Self.oneShot(Self.largeBody, headers: headers))
        let result = try await call(app, "GET", "/", headers: Self.acceptGzip)
        #expect(result.status == 200)
        #expect(result.headers.values(name: "content-encoding") == ["gzip"])
        #expect(result.headers.values(name: "vary") == ["accept-encoding"])
        #expect(result.headers.values(name: "content-length") == ["\(result.body.count)"])
        #expect(result.messages.count == 1 && result.complete)
        #expect(result.body.count < Self.largeBody.count / 10)
        #expect(try gunzip(result.body) == Self.largeBody)
        #expect(Self.openStreams == 0)
    }

    @Test func withFlushingEachStreamedMessageDecodesWhenItArrives() async throws {
        let chunks = [bytes("first part\n"), bytes("second part\n"), Array(Self.largeBody.prefix(70_000))]
        let total = chunks.reduce(0) { $0 + $1.count }
        var gzip = GZip()
        gzip.flushesEveryMessage = true
        let app = gzip.middleware(Self.streaming(chunks, headers: [("content-type", "text/plain"), ("content-length", "\(total)")]))
        let result = try await call(app, "GET", "/", headers: Self.acceptGzip)
        #expect(result.headers["content-encoding"] == "gzip")
        #expect(!result.headers.contains(name: "content-length"))
        try #require(result.messages.map(\.moreBody) == [true, true, true, false])
        let inflater = try Inflater()
        for (message, chunk) in zip(result.messages, chunks) {
            #expect(!message.bytes.isEmpty)
            #expect(try inflater.feed(message.bytes) == chunk, "a message did not decode on its own (no sync flush?)")
        }
        #expect(try inflater.feed(result.messages[3].bytes).isEmpty)
        #expect(inflater.ended, "the last message did not end the gzip stream")
        #expect(try gunzip(result.body) == chunks.flatMap { $0 })
        #expect(Self.openStreams == 0)
    }

    @Test func byDefaultZlibCollectsTheStream() async throws {
        let gzip = GZip()
        #expect(!gzip.flushesEveryMessage)
        let chunks = (1...50).map { bytes("line \($0)\n") }
        let result = try await call(gzip.middleware(Self.streaming(chunks)), "GET", "/", headers: Self.acceptGzip)
        let inflater = try Inflater()
        #expect(try inflater.feed(result.messages.dropLast().flatMap(\.bytes)).isEmpty)
        #expect(try inflater.feed(result.messages.last?.bytes ?? []) == chunks.flatMap { $0 })
        #expect(inflater.ended)
        #expect(result.body.count < chunks.reduce(0) { $0 + $1.count })
    }

    @Test func aSmallFirstMessageOfAStreamIsCompressed() async throws {
        let result = try await call(GZip().middleware(Self.streaming([bytes("ok")])), "GET", "/", headers: Self.acceptGzip)
        #expect(result.headers["content-encoding"] == "gzip")
        #expect(try gunzip(result.body) == bytes("ok"))
    }

    @Test func theMinimumSizeIsInclusiveAndTheLevelIsUsed() async throws {
        let exact = Array(Self.largeBody.prefix(500))
        let result = try await call(GZip().middleware(Self.oneShot(exact)), "GET", "/", headers: Self.acceptGzip)
        #expect(result.headers["content-encoding"] == "gzip")
        #expect(try gunzip(result.body) == exact)

        let stored = try await call(
            GZip(compressionLevel: 0).middleware(Self.oneShot(Self.largeBody)), "GET", "/", headers: Self.acceptGzip)
        #expect(stored.body.count > Self.largeBody.count)
        #expect(try gunzip(stored.body) == Self.largeBody)
        let best = try await call(
            GZip(compressionLevel: 9).middleware(Self.oneShot(Self.largeBody)), "GET", "/", headers: Self.acceptGzip)
        #expect(best.body.count < Self.largeBody.count / 10)
    }

    /// Requests and responses that must come out exactly as the application sent them.
    enum Untouched: String, CaseIterable, Sendable {
        case noAcceptEncoding, gzipRefused, onlyIdentity, smallBody, emptyBody, alreadyEncoded
        case eventStream, head, noContent, notModified, partialContent
    }

    @Test(arguments: Untouched.allCases)
    func untouched(_ kind: Untouched) async throws {
        var request = Self.acceptGzip
        var method = "GET"
        var status = 200
        var headers: Headers = [("content-type", "text/plain; charset=utf-8")]
        var body = Self.largeBody
        var gzip = GZip()
        switch kind {
        case .noAcceptEncoding: request = Headers()
        case .gzipRefused: request = [("accept-encoding", "br, gzip;q=0")]
        case .onlyIdentity: request = [("accept-encoding", "identity")]
        case .smallBody: body = Array(body.prefix(499))
        case .emptyBody: body = []; gzip.minimumSize = 0
        case .alreadyEncoded: headers.append(name: "content-encoding", value: "br")
        case .eventStream: headers = [("content-type", "Text/Event-Stream")]
        case .head: method = "HEAD"
        case .noContent: status = 204; body = []
        case .notModified: status = 304; body = []; gzip.minimumSize = 0
        case .partialContent: status = 206; headers.append(name: "content-range", value: "bytes 0-149999/300000")
        }
        let result = try await call(gzip.middleware(Self.oneShot(body, status: status, headers: headers)), method, "/", headers: request)
        #expect(result.status == status)
        #expect(result.headers.values(name: "content-encoding") == (kind == .alreadyEncoded ? ["br"] : []))
        #expect(result.body == body)
        // Vary only where gzip would have been used had the client allowed it.
        let varies = [.noAcceptEncoding, .gzipRefused, .onlyIdentity].contains(kind)
        #expect(result.headers.values(name: "vary") == (varies ? ["accept-encoding"] : []))
        var expected = headers
        if varies { expected.append(name: "vary", value: "accept-encoding") }
        #expect(result.headers == expected)
    }

    @Test(arguments: [
        ("gzip", true), ("GZip", true), ("deflate, gzip;q=0.5", true), ("x-gzip", true), ("*", true),
        ("br, *;q=0.1", true), ("gzip ; Q=1.000", true), ("gzip;q=0", false), ("gzip; q=0.000", false),
        ("*;q=0", false), ("gzip;q=0, *", false), ("identity", false), ("", false), ("br, deflate", false),
        ("gzip;q=abc", false), ("gzip;q=2", false), ("gzip;q=0.0001", false), ("gzipper", false),
    ])
    func acceptEncoding(_ value: String, _ accepted: Bool) {
        #expect(GZip.acceptsGzip([("accept-encoding", value)]) == accepted)
    }

    @Test func acceptEncodingAcrossFieldsAndAbsent() {
        #expect(GZip.acceptsGzip([("accept-encoding", "br"), ("Accept-Encoding", "gzip")]))
        #expect(!GZip.acceptsGzip([("accept-encoding", "br"), ("accept-encoding", "gzip;q=0")]))
        #expect(!GZip.acceptsGzip(Headers()))
    }

    @Test(arguments: [
        ([("vary", "origin")], ["origin, accept-encoding"]),
        ([("Vary", "Accept-Encoding")], ["Accept-Encoding"]),
        ([("vary", "origin"), ("vary", "cookie")], ["origin, cookie, accept-encoding"]),
        ([("vary", "*")], ["*"]),
        ([("vary", "origin,accept-encoding")], ["origin,accept-encoding"]),
    ])
    func varyIsMerged(_ existing: [(String, String)], _ expected: [String]) async throws {
        var headers = Headers(existing)
        headers.append(name: "content-type", value: "text/plain")
        let result = try await call(GZip().middleware(Self.oneShot(Self.largeBody, headers: headers)), "GET", "/", headers: Self.acceptGzip)
        #expect(result.headers["content-encoding"] == "gzip")
        #expect(result.headers.values(name: "vary") == expected)
    }

    @Test func compressedResponseDropsRangesAndWeakensTheETag() async throws {
        let headers: Headers = [("content-type", "text/plain"), ("etag", "\"5f-1000\""), ("accept-ranges", "bytes")]
        let result = try await call(GZip().middleware(Self.oneShot(Self.largeBody, headers: headers)), "GET", "/", headers: Self.acceptGzip)
        #expect(result.headers["etag"] == "W/\"5f-1000\"")
        #expect(!result.headers.contains(name: "accept-ranges"))

        let weak: Headers = [("etag", "W/\"x\"")]
        let again = try await call(GZip().middleware(Self.oneShot(Self.largeBody, headers: weak)), "GET", "/", headers: Self.acceptGzip)
        #expect(again.headers.values(name: "etag") == ["W/\"x\""])
    }

    @Test func trailersFollowTheCompressedBody() async throws {
        let app: Application = { _, _, send in
            try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")], trailers: true))
            try await send(.responseBody(Self.largeBody, moreBody: true))
            try await send(.responseBody(bytes("tail"), moreBody: false))
            try await send(.responseTrailers(headers: [("x-checksum", "abc")]))
        }
        let events = Locked<[String]>([])
        let sawTrailers = Locked(false)
        let result = try await call(GZip().middleware(app), "GET", "/", headers: Self.acceptGzip) { event in
            events.withLock { $0.append(event.type) }
            switch event {
            case .responseStart(_, _, let trailers): #expect(trailers)
            case .responseTrailers(let headers, let more):
                #expect(headers["x-checksum"] == "abc" && !more)
                sawTrailers.withLock { $0 = true }
            default: break
            }
        }
        #expect(events.value == ["http.response.start", "http.response.body", "http.response.body", "http.response.trailers"])
        #expect(sawTrailers.value)
        #expect(result.headers["content-encoding"] == "gzip")
        #expect(try gunzip(result.body) == Self.largeBody + bytes("tail"))
    }

    @Test func pathsendPassesThrough() async throws {
        let headers: Headers = [("content-type", "text/html"), ("content-length", "100000")]
        let app: Application = { _, _, send in
            try await send(.responseStart(status: 200, headers: headers))
            try await send(.responsePathsend(path: "/srv/index.html"))
        }
        let result = try await call(GZip().middleware(app), "GET", "/", headers: Self.acceptGzip)
        #expect(result.pathsend == "/srv/index.html")
        #expect(result.headers == headers)
    }

    /// What reached the server (`start`, `body`) and when the application went on (`app`).
    final class Order: Sendable {
        let steps = Mutex<[String]>([])
        func note(_ step: String) { steps.withLock { $0.append(step) } }
    }

    /// nginx's rule: a start whose `content-length` is below the minimum cannot become
    /// compressible, so it goes down at once, as it is; one at or above it waits for the body.
    @Test(arguments: [(10, ["start", "app", "body"]), (600, ["app", "start", "body"])])
    func aStartIsHeldOnlyWhenItsContentLengthAllowsCompression(length: Int, expected: [String]) async throws {
        let order = Order()
        let app: Application = { _, _, send in
            try await send(.responseStart(status: 200, headers: [("content-type", "text/plain"), ("content-length", "\(length)")]))
            order.note("app")
            try await send(.responseBody(Array(repeating: UInt8(ascii: "a"), count: length)))
        }
        let result = try await call(GZip(minimumSize: 500).middleware(app), "GET", "/", headers: Self.acceptGzip) { event in
            if case .responseStart = event { order.note("start") } else { order.note("body") }
        }
        #expect(order.steps.withLock { $0 } == expected)
        #expect(result.headers.contains(name: "content-encoding") == (length >= 500))
        #expect(result.headers.contains(name: "vary") == (length >= 500))
        #expect(try (length >= 500 ? gunzip(result.body) : result.body) == Array(repeating: UInt8(ascii: "a"), count: length))
    }

    @Test func aStartWithoutBodyIsStillSent() async throws {
        let app: Application = { _, _, send in try await send(.responseStart(status: 200, headers: [("x-a", "1")])) }
        let result = try await call(GZip().middleware(app), "GET", "/", headers: Self.acceptGzip)
        #expect(result.status == 200)
        #expect(result.headers == [("x-a", "1")])
        #expect(result.messages.isEmpty)
    }

    @Test func otherScopesAreNotWrapped() async throws {
        // Response events in a WebSocket scope (as a denial response might be mistaken for one):
        // the scope decides, so nothing is held or compressed.
        let sent = Locked<[SendEvent]>([])
        let app = GZip().middleware(Self.oneShot(Self.largeBody))
        let scope = Scope.websocket(path: "/ws", rawPath: Array("/ws".utf8), headers: Self.acceptGzip)
        try await app(scope, { .disconnect }) { event in sent.withLock { $0.append(event) } }
        let events = sent.value
        try #require(events.count == 2)
        guard case .responseStart(_, let headers, _) = events[0], case .responseBody(let body, _) = events[1] else {
            Issue.record("unexpected events: \(events.map(\.type))")
            return
        }
        #expect(headers == [("content-type", "text/plain")])
        #expect(body == Self.largeBody)
    }

    @Test func anErrorMidStreamIsRethrownAndTheStreamEnded() async throws {
        struct Boom: Error, Equatable {}
        let app = GZip().middleware { _, _, send in
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Self.largeBody, moreBody: true))
            #expect(Self.openStreams == 1)
            throw Boom()
        }
        await #expect(throws: Boom()) { _ = try await call(app, "GET", "/", headers: Self.acceptGzip) }
        #expect(Self.openStreams == 0)
    }

    @Test func aDisconnectEndsTheStream() async throws {
        let bodies = Locked(0)
        let app = GZip().middleware { _, _, send in
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Self.largeBody, moreBody: true))
            try await send(.responseBody(Self.largeBody, moreBody: true))
            Issue.record("send did not throw after the client left")
        }
        let scope = Scope(method: "GET", path: "/", rawPath: Array("/".utf8), headers: Self.acceptGzip)
        await #expect(throws: ASGIError.disconnected()) {
            try await app(scope, { .disconnect }) { event in
                guard case .responseBody = event else { return }
                if bodies.withLock({
                    $0 += 1; return $0
                }) > 1 {
                    throw ASGIError.disconnected()
                }
            }
        }
        #expect(bodies.value == 2)
        #expect(Self.openStreams == 0)
    }

    @Test func aSendAfterTheApplicationReturnedIsRefused() async throws {
        let kept = Locked<Send?>(nil)
        let app = GZip().middleware { _, _, send in
            kept.withLock { $0 = send }
            try await send(.responseStart(status: 200))
            try await send(.responseBody(Self.largeBody, moreBody: true))
        }
        let result = try await call(app, "GET", "/", headers: Self.acceptGzip)
        #expect(result.headers["content-encoding"] == "gzip" && !result.complete)
        #expect(Self.openStreams == 0)
        let send = try #require(kept.value)
        let error = await #expect(throws: ASGIError.self) { try await send(.responseBody(bytes("late"))) }
        #expect(error?.isProtocolViolation == true)
    }
}

/// gunzip with zlib (window bits 31), one message at a time: each `feed` returns what the bytes
/// so far decode to.
final class Inflater {
    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private(set) var ended = false

    struct Failure: Error { let status: Int32 }

    init() throws {
        stream.initialize(to: z_stream())
        let status = swiftasgi_inflate_init2(stream, 15 + 16)
        guard status == Z_OK else { throw Failure(status: status) }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func feed(_ input: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var input = input
        try input.withUnsafeMutableBufferPointer { input in
            stream.pointee.next_in = input.baseAddress
            stream.pointee.avail_in = uInt(input.count)
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            repeat {
                let status = buffer.withUnsafeMutableBufferPointer { buffer in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = uInt(buffer.count)
                    return inflate(stream, Z_SYNC_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { throw Failure(status: status) }
                out += buffer.prefix(buffer.count - Int(stream.pointee.avail_out))
                if status == Z_STREAM_END { ended = true; break }
                if status == Z_BUF_ERROR { break }
            } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
        }
        return out
    }
}

/// A whole gzip stream decoded; throws when it does not end with its trailer.
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let inflater = try Inflater()
    let out = try inflater.feed(bytes)
    guard inflater.ended else { throw Inflater.Failure(status: Z_BUF_ERROR) }
    return out
}
