import ASGI
import CHTTPParser

/// An incremental HTTP/1.1 request parser: bytes in, delegate calls out.
///
/// The head is checked by a strict scanner (`HeadScanner`) before http-parser reads it, so that
/// what the lenient Debian build of http-parser would accept (obs-fold, bare LF, whitespace before
/// a colon, ...) is refused with 400. http-parser then parses, once per head, the request line and
/// the framing fields the scanner forwards (Content-Length, Transfer-Encoding, Connection,
/// Proxy-Connection, Upgrade; see `HeadScanner.finishField`) for the method, version, length,
/// keep-alive and upgrade verdicts; the body is framed by `BodyDecoder`.
///
/// The parser stops after each message so that pipelined requests are answered in order:
///
/// ```swift
/// let parser = RequestParser()
/// parser.delegate = connection
/// var rest = UnsafeRawBufferPointer(start: base, count: n)
/// while case .messageComplete(let used) = try parser.feed(rest) {
///     rest = UnsafeRawBufferPointer(rebasing: rest[used...])   // later, when ready for the next request
/// }
/// ```
///
/// After a message completes the parser is reset completely (http-parser is re-initialised), so
/// the next request parses normally even after an upgrade request or `connection: close`.
/// After a throw the parser is dead: every later `feed` throws the same error.
public final class RequestParser {
    public enum FeedResult: Equatable, Sendable {
        /// Every byte was consumed; the current message is not complete (or none started).
        case needMore
        /// A message completed after `consumed` bytes and the parser stopped there. Feed the rest
        /// when the server is ready for the next request.
        case messageComplete(consumed: Int)
    }

    private enum Phase { case idle, head, body, trailers }

    /// Receives heads, body chunks and message ends. Not retained.
    @exclusivity(unchecked) public unowned(unsafe) var delegate: (any RequestParserDelegate)?
    /// Limits applied from the next head on.
    @exclusivity(unchecked) public var limits: ParserLimits

    // The state is stored in the object itself: one 128-byte allocation per parser, idle or not.
    // Every stored property is `@exclusivity(unchecked)`: a dynamic exclusivity check costs ~80
    // instructions per access, and the parser is used by one thread at a time (its loop's).

    /// http-parser's state (32 bytes). Its address is passed only for the length of a call
    /// (`&http`); http-parser keeps no pointer to it.
    @exclusivity(unchecked) private var http = http_parser()
    /// The scratch set, held only while a head or a trailer section is read (see `HeadScratch`).
    @exclusivity(unchecked) private var held: UnsafeMutablePointer<HeadScratch>?
    /// Set by the first throw; boxed, as it is rare and would take 24 bytes inline.
    @exclusivity(unchecked) private var failure: Failure?
    @exclusivity(unchecked) private var body = BodyDecoder(contentLength: 0)
    @exclusivity(unchecked) private var phase = Phase.idle
    @exclusivity(unchecked) private var bodyIsChunked = false
    /// http-parser has read bytes of the current message (it is re-initialised after it).
    @exclusivity(unchecked) private var httpFed = false
    /// The last head was read without http-parser (`plainVerdict`); for tests.
    @exclusivity(unchecked) private(set) var debugLastHeadWasPlain = false

    private final class Failure {
        let error: HTTPParseError
        init(_ error: HTTPParseError) { self.error = error }
    }

    public init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
        http_parser_init(&http, HTTP_REQUEST)
    }

    deinit { releaseScratch() }

    /// True between messages before any byte of the next message arrived.
    public var isIdle: Bool { phase == .idle }
    /// True while the current message's head is incomplete (bytes of it seen).
    public var isReadingHead: Bool { phase == .head }

    /// Whether the parser holds a `HeadScratch` set (only while reading a head or trailers).
    var debugScratchHeld: Bool { held != nil }

    /// The held scratch set (only while reading a head or trailers).
    private var scratch: UnsafeMutablePointer<HeadScratch> { held.unsafelyUnwrapped }

    /// Takes a scratch set from this thread's pool and prepares its scanner for `mode`.
    @inline(__always)
    private func takeScratch(mode: HeadScanner.Mode) {
        let scratch = HeadScratch.take()
        scratch.pointee.scanner.reset(mode: mode)
        held = scratch
    }

    /// Gives the scratch set (if held) back to this thread's pool.
    @inline(__always)
    private func releaseScratch() {
        guard let scratch = held else { return }
        held = nil
        HeadScratch.give(scratch)
    }

    /// Parses bytes, calling the delegate synchronously.
    ///
    /// Throws on malformed input; after a throw the parser is dead (the connection must close
    /// after answering `error.status`).
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> FeedResult {
        if let failure { throw failure.error }
        do {
            return try parse(bytes, limits: limits)
        } catch {
            failure = Failure(error)
            releaseScratch()
            throw error
        }
    }

    private func parse(_ bytes: UnsafeRawBufferPointer, limits: ParserLimits) throws(HTTPParseError) -> FeedResult {
        var offset = 0
        while offset < bytes.count {
            switch phase {
            case .idle:
                phase = .head
                takeScratch(mode: .request)
                fallthrough
            case .head:
                offset = try scanHead(bytes, from: offset, limits: limits)
                if scratch.pointee.scanner.isComplete {
                    // Framing checks first: they give clearer reasons than http-parser's codes.
                    try scratch.pointee.scanner.validateFraming()
                    let verdict: Verdict
                    if !httpFed, let plain = plainVerdict() {
                        verdict = plain
                    } else {
                        try executeHead()
                        verdict = Verdict(http)
                    }
                    debugLastHeadWasPlain = !httpFed
                    if try deliverHead(verdict) { return completeMessage(consumed: offset) }
                } else if scratch.pointee.scanner.isPastRequestLine, !scratch.pointee.scanner.forward.isEmpty {
                    // A head cut by the end of the bytes: let http-parser judge the request line
                    // (and any framing field) now, as it would have before the head is whole.
                    try executeForwarded()
                }
            case .body:
                let step = try body.next(bytes, from: offset)
                offset = step.end
                if let data = step.data {
                    delegate?.parser(self, didReceiveBody: UnsafeRawBufferPointer(rebasing: bytes[data]))
                }
                if step.isDone {
                    guard bodyIsChunked else { return completeMessage(consumed: offset) }
                    phase = .trailers
                    takeScratch(mode: .trailers)
                }
            case .trailers:
                // Trailer fields are validated like header fields, then dropped.
                offset = try scratch.pointee.scanner.scan(bytes, from: offset, limits: limits)
                if scratch.pointee.scanner.isComplete {
                    releaseScratch()
                    return completeMessage(consumed: offset)
                }
            }
        }
        return .needMore
    }

    /// Scans head bytes. Over a size limit (431), http-parser first judges the request line and
    /// framing fields scanned so far, as it does when a head is cut by the end of the bytes: so the
    /// status a client gets does not depend on how TCP split the request.
    @inline(__always)
    private func scanHead(_ bytes: UnsafeRawBufferPointer, from offset: Int, limits: ParserLimits)
        throws(HTTPParseError) -> Int
    {
        do {
            return try scratch.pointee.scanner.scan(bytes, from: offset, limits: limits)
        } catch {
            if error.status == 431, scratch.pointee.scanner.isPastRequestLine, !scratch.pointee.scanner.forward.isEmpty {
                try executeForwarded()
            }
            throw error
        }
    }

    /// Runs http-parser over what the scanner forwarded of the validated head (the request line
    /// and the framing fields: see `HeadScanner.finishField`), then the blank line: once per head
    /// when the head came in one piece.
    @inline(__always)
    private func executeHead() throws(HTTPParseError) {
        scratch.pointee.scanner.forward.append("\r\n")
        try executeForwarded()
    }

    @inline(__always)
    private func executeForwarded() throws(HTTPParseError) {
        let head = scratch.pointee.scanner.forward.unsafeBytes
        let start = head.baseAddress!.assumingMemoryBound(to: CChar.self)
        httpFed = true
        let parsed = http_parser_execute(&http, scratch.pointee.settings, start, head.count)
        scratch.pointee.scanner.forward.removeAll()
        let errno = swiftasgi_http_errno(&http)
        guard errno == HPE_OK else { throw HTTPParserSettings.error(for: errno) }
        guard parsed == head.count else { throw .badRequest("malformed request head") }
    }

    /// What decides a head's framing and keep-alive: http-parser's reading of the forwarded lines,
    /// or the same reading made directly for a plain head (`plainVerdict`).
    private struct Verdict {
        var method: UInt32
        /// on_headers_complete returned 1, which sets F_SKIPBODY: proof that http-parser reached
        /// the end of the head where the scanner did.
        var reachedEnd: Bool
        var isChunked: Bool
        var hasContentLength: Bool
        var contentLength: UInt64
        var keepAlive: Bool
        var upgradeHeader: Bool
        var connectionUpgrade: Bool

        init(_ http: http_parser) {
            var http = http
            let flags = http.flags
            method = http.method
            reachedEnd = flags & F_SKIPBODY.rawValue != 0
            isChunked = flags & F_CHUNKED.rawValue != 0
            hasContentLength = flags & F_CONTENTLENGTH.rawValue != 0
            contentLength = http.content_length
            keepAlive = http_should_keep_alive(&http) != 0
            upgradeHeader = flags & F_UPGRADE.rawValue != 0
            connectionUpgrade = flags & F_CONNECTION_UPGRADE.rawValue != 0
        }

        init(plain method: UInt32, versionMinor: Int) {
            self.method = method
            reachedEnd = true
            isChunked = false
            hasContentLength = false
            contentLength = 0
            // http_should_keep_alive: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
            // `Connection: keep-alive`; a plain head has no Connection field.
            keepAlive = versionMinor == 1
            upgradeHeader = false
            connectionUpgrade = false
        }
    }

    /// The verdict of a plain head, read without http-parser: HTTP/1.0 or 1.1, an origin-form
    /// target, a common method, and none of the fields http-parser acts on (Content-Length,
    /// Transfer-Encoding, Connection, Proxy-Connection, Upgrade), the usual GET of a keep-alive
    /// client. For such a head http-parser can only report that method, version and no body: it
    /// accepts every `/` + VCHAR* target (the scanner let nothing else through) and its verdict
    /// depends on no other field. nil for anything else, which http-parser then reads.
    private func plainVerdict() -> Verdict? {
        guard scratch.pointee.scanner.forwardedFieldCount == 0, scratch.pointee.scanner.versionMajor == 1 else {
            return nil
        }
        let minor = scratch.pointee.scanner.versionMinor
        let target = scratch.pointee.scanner.target.unsafeBytes
        guard minor <= 1, !target.isEmpty, target[0] == UInt8(ascii: "/") else { return nil }
        guard let method = Self.commonMethod(scratch.pointee.scanner.forward.unsafeBytes) else { return nil }
        return Verdict(plain: method, versionMinor: minor)
    }

    /// http-parser's code for the method that starts `line` (`METHOD SP ...`), for the methods
    /// most requests use; nil for any other token.
    private static func commonMethod(_ line: UnsafeRawBufferPointer) -> UInt32? {
        func starts(_ method: StaticString) -> Bool {
            let count = method.utf8CodeUnitCount
            guard line.count > count, line[count] == ByteClass.sp else { return false }
            for index in 0..<count where line[index] != method.utf8Start[index] { return false }
            return true
        }
        guard !line.isEmpty else { return nil }
        switch line[0] {
        case UInt8(ascii: "G"): return starts("GET") ? HTTP_GET.rawValue : nil
        case UInt8(ascii: "H"): return starts("HEAD") ? HTTP_HEAD.rawValue : nil
        case UInt8(ascii: "P"):
            if starts("POST") { return HTTP_POST.rawValue }
            if starts("PUT") { return HTTP_PUT.rawValue }
            return starts("PATCH") ? HTTP_PATCH.rawValue : nil
        case UInt8(ascii: "D"): return starts("DELETE") ? HTTP_DELETE.rawValue : nil
        case UInt8(ascii: "O"): return starts("OPTIONS") ? HTTP_OPTIONS.rawValue : nil
        default: return nil
        }
    }

    /// Checks the framing of a complete head, hands it to the delegate and prepares for the body.
    /// Returns true when the message has no body (it is complete).
    private func deliverHead(_ verdict: Verdict) throws(HTTPParseError) -> Bool {
        guard verdict.reachedEnd else { throw .badRequest("malformed request head") }
        let facts = scratch.pointee.scanner.facts
        let isChunked = verdict.isChunked
        let hasContentLength = verdict.hasContentLength
        guard isChunked == (facts.transferEncodingCount > 0), hasContentLength == (facts.contentLengthCount > 0)
        else { throw .badRequest("ambiguous message framing") }
        let method = verdict.method
        if method == HTTP_CONNECT.rawValue { throw .badRequest("CONNECT not supported") }
        // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused (a second Host or an invalid
        // one was refused by the scanner).
        if facts.hostCount == 0, facts.versionMinor >= 1 { throw .badRequest("missing Host header") }
        let authority = try RequestTarget.validate(
            scratch.pointee.scanner.target.unsafeBytes, isOptions: method == HTTP_OPTIONS.rawValue)
        var contentLength: Int?
        if hasContentLength {
            guard let length = Int(exactly: verdict.contentLength) else {
                throw .badRequest("invalid Content-Length")
            }
            contentLength = length
        }
        if verdict.upgradeHeader && verdict.connectionUpgrade, isChunked || (contentLength ?? 0) > 0 {
            throw .badRequest("upgrade request with a body")
        }
        var head = makeHead(verdict, facts: facts, contentLength: contentLength)
        if let authority {
            // RFC 9112 §3.2.2: for an absolute-form target the target's authority wins over Host.
            head.headers.replaceOrAdd(name: "host", value: String(decoding: authority, as: UTF8.self))
        }
        releaseScratch()
        // The head is complete before the delegate hears of it (isReadingHead is false by then).
        phase = .body
        bodyIsChunked = isChunked
        body = isChunked ? BodyDecoder(chunked: ()) : BodyDecoder(contentLength: contentLength ?? 0)
        let hasBody = head.hasBody
        // The head's last use: the delegate takes it over without a copy.
        delegate?.parser(self, didParseHead: consume head)
        return !hasBody
    }

    private func makeHead(_ verdict: Verdict, facts: HeadScanner.Facts, contentLength: Int?) -> RequestHead {
        let target = scratch.pointee.targets.resolve(scratch.pointee.scanner.target.unsafeBytes)
        return RequestHead(
            method: HTTPParserSettings.methodName(verdict.method), rawPath: target.rawPath, path: target.path,
            queryString: target.query, versionMajor: facts.versionMajor, versionMinor: facts.versionMinor,
            headers: scratch.pointee.scanner.takeHeaders(), keepAlive: verdict.keepAlive,
            contentLength: contentLength, isChunked: verdict.isChunked,
            expectsContinue: facts.versionMinor >= 1 && facts.expectsContinue,
            hasUpgradeHeader: verdict.upgradeHeader)
    }

    /// Resets everything for the next message, then tells the delegate.
    private func completeMessage(consumed: Int) -> FeedResult {
        phase = .idle
        if httpFed {
            httpFed = false
            http_parser_init(&http, HTTP_REQUEST)
        }
        delegate?.parserDidCompleteMessage(self)
        return .messageComplete(consumed: consumed)
    }
}
