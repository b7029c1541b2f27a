import ASGI

/// What a `RequestParser` reported over one feed of an input, in order, in a form that does not
/// depend on where the input was cut: consecutive body chunks are merged, message ends are
/// offsets in the input.
struct Transcript: CustomStringConvertible {
    struct Head: Equatable {
        var method: String, rawPath: [UInt8], path: String, queryString: [UInt8]
        var versionMajor: Int, versionMinor: Int, httpVersion: String, headers: Headers
        var keepAlive: Bool, contentLength: Int?, isChunked: Bool, expectsContinue: Bool, hasBody: Bool

        init(_ head: RequestHead) {
            method = head.method
            rawPath = head.rawPath
            path = head.path
            queryString = head.queryString
            versionMajor = head.versionMajor
            versionMinor = head.versionMinor
            httpVersion = head.httpVersion
            headers = head.headers
            keepAlive = head.keepAlive
            contentLength = head.contentLength
            isChunked = head.isChunked
            expectsContinue = head.expectsContinue
            hasBody = head.hasBody
        }
    }

    struct Refusal: Equatable {
        var status: Int
        var reason: String
    }

    enum Event: Equatable {
        case head(Head)
        case body([UInt8])
        case complete(end: Int)
        case refused(status: Int, reason: String)
    }

    var events: [Event] = []
    /// The end (in the input) of the piece whose feed threw.
    var refusedAfter: Int?
    var isIdle = true
    var isReadingHead = false

    /// The events before any refusal.
    var delivered: ArraySlice<Event> {
        if case .refused = events.last { return events.dropLast() }
        return events[...]
    }

    var refusal: Refusal? {
        guard case .refused(let status, let reason) = events.last else { return nil }
        return Refusal(status: status, reason: reason)
    }

    /// The delegate contract: `(head body* complete)*`, then maybe `head body*`, then maybe a
    /// refusal; a message without a body completes right after its head; a Content-Length body
    /// that completed has exactly that many bytes.
    func checkOrder() {
        var open: Head?
        var bodyBytes = 0
        for (index, event) in events.enumerated() {
            switch event {
            case .head(let head):
                if open != nil { fuzzFailure("a head inside a message", description) }
                open = head
                bodyBytes = 0
            case .body(let bytes):
                guard let head = open, head.hasBody else { fuzzFailure("body bytes outside a body", description) }
                bodyBytes += bytes.count
                if let length = head.contentLength, !head.isChunked, bodyBytes > length {
                    fuzzFailure("more body bytes than Content-Length", description)
                }
            case .complete:
                guard let head = open else { fuzzFailure("a message end without a head", description) }
                if !head.isChunked, bodyBytes != (head.contentLength ?? 0) {
                    fuzzFailure("a message ended with \(bodyBytes) body bytes", description)
                }
                open = nil
            case .refused:
                if index != events.count - 1 { fuzzFailure("events after a refusal", description) }
            }
            if let head = open, !head.hasBody, index + 1 < events.count, case .body = events[index + 1] {
                fuzzFailure("a body after a head without one", description)
            }
        }
    }

    var description: String {
        var lines = events.map { event -> String in
            switch event {
            case .head(let h):
                "  head \(h.method) \(escaped(h.rawPath)) path=\(h.path.debugDescription) "
                    + "query=\(escaped(h.queryString)) \(h.versionMajor).\(h.versionMinor) "
                    + "keepAlive=\(h.keepAlive) length=\(h.contentLength.map(String.init) ?? "nil") "
                    + "chunked=\(h.isChunked) continue=\(h.expectsContinue) headers=\(h.headers)"
            case .body(let bytes): "  body \(bytes.count) bytes \(escaped(bytes.prefix(200)))"
            case .complete(let end): "  complete at \(end)"
            case .refused(let status, let reason): "  refused \(status) \(reason.debugDescription)"
            }
        }
        let after = refusedAfter.map(String.init) ?? "-"
        lines.append("  end: idle=\(isIdle) readingHead=\(isReadingHead) refusedAfter=\(after)")
        return lines.joined(separator: "\n")
    }
}

/// Collects a transcript from the delegate calls. Body chunks gather in `body` until the next
/// event, so that a body fed a byte at a time costs linear time.
final class TranscriptRecorder: RequestParserDelegate {
    private(set) var transcript = Transcript()
    private var body: [UInt8] = []
    private(set) var completions = 0

    func append(_ event: Transcript.Event) {
        if !body.isEmpty {
            transcript.events.append(.body(body))
            body = []
        }
        transcript.events.append(event)
    }

    /// The transcript, with the parser's state after the last feed.
    func finish(_ parser: RequestParser, refusedAfter: Int?) -> Transcript {
        if !body.isEmpty {
            transcript.events.append(.body(body))
            body = []
        }
        transcript.refusedAfter = refusedAfter
        transcript.isIdle = parser.isIdle
        transcript.isReadingHead = parser.isReadingHead
        transcript.checkOrder()
        return transcript
    }

    func parser(_ parser: RequestParser, didParseHead head: RequestHead) {
        if parser.isReadingHead || parser.isIdle { fuzzFailure("idle or reading a head during didParseHead") }
        append(.head(Transcript.Head(head)))
    }

    func parser(_ parser: RequestParser, didReceiveBody chunk: UnsafeRawBufferPointer) {
        if chunk.isEmpty { fuzzFailure("an empty body chunk") }
        body.append(contentsOf: chunk)
    }

    func parserDidCompleteMessage(_ parser: RequestParser) { completions += 1 }
}
