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
    /// Unchecked exclusivity: a dynamic check (~80 instructions) on each of the two reads per request.
    @exclusivity(unchecked) public unowned(unsafe) var delegate: (any RequestParserDelegate)?
    /// Limits applied from the next head on.
    @exclusivity(unchecked) public var limits: ParserLimits

    /// The mutable parsing state, behind a pointer: each access to a stored `var` of the class
    /// would cost a dynamic exclusivity check (~80 instructions), about ten per request.
    private struct State: ~Copyable {
        var scanner = HeadScanner()
        var body = BodyDecoder(contentLength: 0)
        var phase = Phase.idle
        var bodyIsChunked = false
        var failure: HTTPParseError?
        var targets = TargetCache()
    }

    private let state: UnsafeMutablePointer<State>
    private let http: UnsafeMutablePointer<http_parser>
    private let settings: UnsafePointer<http_parser_settings>

    public init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
        settings = HTTPParserSettings.shared.pointer
        http = .allocate(capacity: 1)
        http_parser_init(http, HTTP_REQUEST)
        state = .allocate(capacity: 1)
        state.initialize(to: State())
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
        http.deallocate()
    }

    /// True between messages before any byte of the next message arrived.
    public var isIdle: Bool { state.pointee.phase == .idle }
    /// True while the current message's head is incomplete (bytes of it seen).
    public var isReadingHead: Bool { state.pointee.phase == .head }

    /// Parses bytes, calling the delegate synchronously.
    ///
    /// Throws on malformed input; after a throw the parser is dead (the connection must close
    /// after answering `error.status`).
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> FeedResult {
        if let failure = state.pointee.failure { throw failure }
        do {
            return try parse(bytes, limits: limits)
        } catch {
            state.pointee.failure = error
            throw error
        }
    }

    private func parse(_ bytes: UnsafeRawBufferPointer, limits: ParserLimits) throws(HTTPParseError) -> FeedResult {
        var offset = 0
        while offset < bytes.count {
            switch state.pointee.phase {
            case .idle, .head:
                state.pointee.phase = .head
                offset = try state.pointee.scanner.scan(bytes, from: offset, limits: limits)
                if state.pointee.scanner.isComplete {
                    // Framing checks first: they give clearer reasons than http-parser's codes.
                    try state.pointee.scanner.validateFraming()
                    try executeHead()
                    if try deliverHead() { return completeMessage(consumed: offset) }
                } else if state.pointee.scanner.isPastRequestLine, !state.pointee.scanner.forward.isEmpty {
                    // A head cut by the end of the bytes: let http-parser judge the request line
                    // (and any framing field) now, as it would have before the head is whole.
                    try executeForwarded()
                }
            case .body:
                let step = try state.pointee.body.next(bytes, from: offset)
                offset = step.end
                if let data = step.data {
                    delegate?.parser(self, didReceiveBody: UnsafeRawBufferPointer(rebasing: bytes[data]))
                }
                if step.isDone {
                    guard state.pointee.bodyIsChunked else { return completeMessage(consumed: offset) }
                    state.pointee.phase = .trailers
                    state.pointee.scanner.reset(mode: .trailers)
                }
            case .trailers:
                // Trailer fields are validated like header fields, then dropped.
                offset = try state.pointee.scanner.scan(bytes, from: offset, limits: limits)
                if state.pointee.scanner.isComplete { return completeMessage(consumed: offset) }
            }
        }
        return .needMore
    }

    /// Runs http-parser over what the scanner forwarded of the validated head (the request line
    /// and the framing fields: see `HeadScanner.finishField`), then the blank line: once per head
    /// when the head came in one piece.
    private func executeHead() throws(HTTPParseError) {
        state.pointee.scanner.forward.append("\r\n")
        try executeForwarded()
    }

    private func executeForwarded() throws(HTTPParseError) {
        let head = state.pointee.scanner.forward.unsafeBytes
        let parsed = http_parser_execute(http, settings, head.baseAddress!.assumingMemoryBound(to: CChar.self), head.count)
        state.pointee.scanner.forward.removeAll()
        let errno = swiftasgi_http_errno(http)
        guard errno == HPE_OK else { throw HTTPParserSettings.error(for: errno) }
        guard parsed == head.count else { throw .badRequest("malformed request head") }
    }

    /// Checks the framing of a complete head, hands it to the delegate and prepares for the body.
    /// Returns true when the message has no body (it is complete).
    private func deliverHead() throws(HTTPParseError) -> Bool {
        let flags = http.pointee.flags
        // on_headers_complete returns 1, which sets F_SKIPBODY: proof that http-parser reached the
        // end of the head where the scanner did.
        guard flags & F_SKIPBODY.rawValue != 0 else { throw .badRequest("malformed request head") }
        let facts = state.pointee.scanner.facts
        let isChunked = flags & F_CHUNKED.rawValue != 0
        let hasContentLength = flags & F_CONTENTLENGTH.rawValue != 0
        guard isChunked == (facts.transferEncodingCount > 0), hasContentLength == (facts.contentLengthCount > 0)
        else { throw .badRequest("ambiguous message framing") }
        let method = http.pointee.method
        if method == HTTP_CONNECT.rawValue { throw .badRequest("CONNECT not supported") }
        var contentLength: Int?
        if hasContentLength {
            guard let length = Int(exactly: http.pointee.content_length) else {
                throw .badRequest("invalid Content-Length")
            }
            contentLength = length
        }
        let upgrade = F_UPGRADE.rawValue | F_CONNECTION_UPGRADE.rawValue
        if flags & upgrade == upgrade, isChunked || (contentLength ?? 0) > 0 {
            throw .badRequest("upgrade request with a body")
        }
        let head = makeHead(method: method, facts: facts, contentLength: contentLength, isChunked: isChunked)
        // The head is complete before the delegate hears of it (isReadingHead is false by then).
        state.pointee.phase = .body
        state.pointee.bodyIsChunked = isChunked
        state.pointee.body = isChunked ? BodyDecoder(chunked: ()) : BodyDecoder(contentLength: contentLength ?? 0)
        delegate?.parser(self, didParseHead: head)
        return !head.hasBody
    }

    private func makeHead(method: UInt32, facts: HeadScanner.Facts, contentLength: Int?, isChunked: Bool) -> RequestHead {
        let target = state.pointee.targets.resolve(state.pointee.scanner.target.unsafeBytes)
        return RequestHead(
            method: HTTPParserSettings.methodName(method), rawPath: target.rawPath, path: target.path,
            queryString: target.query, versionMajor: facts.versionMajor, versionMinor: facts.versionMinor,
            headers: state.pointee.scanner.takeHeaders(), keepAlive: http_should_keep_alive(http) != 0,
            contentLength: contentLength, isChunked: isChunked,
            expectsContinue: facts.versionMinor >= 1 && facts.expectsContinue)
    }

    /// Resets everything for the next message, then tells the delegate.
    private func completeMessage(consumed: Int) -> FeedResult {
        state.pointee.phase = .idle
        state.pointee.scanner.reset(mode: .request)
        http_parser_init(http, HTTP_REQUEST)
        delegate?.parserDidCompleteMessage(self)
        return .messageComplete(consumed: consumed)
    }
}
