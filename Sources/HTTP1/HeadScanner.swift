import ASGI

/// Validates and extracts a request head (or a trailer section) before http-parser sees it.
///
/// http-parser 2.9 is built non-strict on Debian and lets through what RFC 9112 forbids and what
/// request smuggling relies on: whitespace before the colon, obs-fold, bare LF or CR, NUL and raw
/// non-ASCII bytes. This scanner accepts only `METHOD SP target SP HTTP/d.d CRLF`, then
/// `token ":" value CRLF` lines and the blank line, and enforces the size limits. It also
/// extracts the target and the header fields (names lower-cased, values trimmed) so that
/// http-parser's data callbacks are not needed, and collects in `forward` the lines http-parser
/// has to judge (see `HeadScanner+Fields.swift`).
///
/// Two paths: lines wholly inside the bytes at hand are scanned a line at a time with word-wide
/// runs (`HeadScanner+Lines.swift`); whatever that path does not take (a line cut by the end of
/// the bytes, or anything unusual, errors included) goes byte by byte through the state machine
/// below, which keeps fragments in scratch buffers. A scanner lives in a `HeadScratch` that a parser
/// holds only while it reads a head.
struct HeadScanner: ~Copyable {
    enum Mode { case request, trailers }

    enum State: UInt8 {
        case lineStart, emptyLineLF, method, targetStart, target, version, requestLineLF
        case fieldStart, fieldName, fieldValue, fieldLineLF, finalLF, complete
    }

    private(set) var mode: Mode = .request
    var state: State = .lineStart
    private var headBytes = 0
    var targetLength = 0
    var headerCount = 0
    private var versionIndex = 0
    var versionMajor = 0
    var versionMinor = 0

    /// The request-target as on the wire.
    var target = ByteScratch(capacity: 256)
    /// The request line and the framing fields, for http-parser.
    var forward = ByteScratch(capacity: 256)
    /// The header fields of a request head (trailer fields are validated, not stored), made by
    /// `reset(mode: .request)`. Optional so that handing them over releases nothing.
    var headers: Headers?
    /// The fields handed over last, a second reference to their buffers. When the next request
    /// head starts and nothing else holds them any more (that request is over and its scope is
    /// gone, as on a keep-alive connection whose client waits for each response), the buffers
    /// are emptied and filled again: no allocation for the fields of that head.
    private var handedOver: Headers?
    private var lastFieldCount = 8
    /// The current field name, lower-cased.
    var name = ByteScratch(capacity: 64)
    private var value = ByteScratch(capacity: 256)
    private var valueSpilled = false
    var fieldBytes = 0

    var contentLengthCount = 0
    /// Fields copied into `forward` (framing fields http-parser has to judge).
    var forwardedFieldCount = 0
    var hostCount = 0
    var transferEncodingCount = 0
    var transferEncodingIsChunked = false
    var expectsContinue = false

    init() {}

    /// What the scanner learnt about a complete head, read in one access.
    struct Facts {
        var versionMajor: Int
        var versionMinor: Int
        var contentLengthCount: Int
        var hostCount: Int
        var transferEncodingCount: Int
        var expectsContinue: Bool
    }

    var facts: Facts {
        Facts(
            versionMajor: versionMajor, versionMinor: versionMinor, contentLengthCount: contentLengthCount,
            hostCount: hostCount, transferEncodingCount: transferEncodingCount, expectsContinue: expectsContinue)
    }

    /// Whether the blank line ending the head has been scanned.
    var isComplete: Bool { state == .complete }

    /// Whether the request line has been scanned whole (request mode).
    var isPastRequestLine: Bool { mode == .request && state.rawValue >= State.fieldStart.rawValue }

    /// Bytes of buffer capacity held (not counting `headers`, which are handed over).
    var retainedCapacity: Int { target.capacity &+ forward.capacity &+ name.capacity &+ value.capacity }

    /// Prepares for the next request head (or trailer section), keeping the scratch capacity.
    mutating func reset(mode: Mode) {
        self.mode = mode
        state = mode == .request ? .lineStart : .fieldStart
        headBytes = 0
        targetLength = 0
        headerCount = 0
        versionIndex = 0
        target.removeAll()
        forward.removeAll()
        if mode == .request {
            if var reused = handedOver.take() {
                reused.removeAllKeepingCapacity()
                headers = reused
            } else {
                // Size the next head like the last one: usually one allocation per buffer.
                headers = Headers(minimumCapacity: max(lastFieldCount, 8), byteCount: max(fieldBytes, 256))
            }
            fieldBytes = 0
            contentLengthCount = 0
            forwardedFieldCount = 0
            hostCount = 0
            transferEncodingCount = 0
            transferEncodingIsChunked = false
            expectsContinue = false
        }
    }

    /// Hands over the fields of the completed head.
    mutating func takeHeaders() -> Headers {
        lastFieldCount = headerCount
        let taken = headers.take() ?? Headers()
        // Kept for reuse only while small: a scratch set in the pool holds them meanwhile.
        let capacity = taken.capacity
        handedOver = capacity.bytes <= Self.maxReusedBytes && capacity.fields <= Self.maxReusedFields ? taken : nil
        return taken
    }

    /// The largest field buffers kept for reuse by the next head (typical heads are well under).
    static let maxReusedBytes = 2048
    static let maxReusedFields = 48

    /// Scans `bytes[start...]` until the head is complete or the bytes run out, and returns the
    /// index after the last byte scanned (after the blank line when `isComplete`).
    mutating func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, limits: ParserLimits)
        throws(HTTPParseError) -> Int
    {
        let allowance = max(0, limits.maxHeadSize - headBytes)
        let end = min(bytes.count, start + allowance)
        var i = start
        if state == .lineStart || state == .fieldStart {
            i = try scanLines(bytes, from: i, to: end, limits: limits)
        }
        if state != .complete { i = try scanBytes(bytes, from: i, to: end, limits: limits) }
        headBytes += i - start
        if state != .complete, end < bytes.count {
            throw .headTooLarge(mode == .request ? "request head too large" : "trailer section too large")
        }
        return i
    }

    /// The byte-by-byte path: returns after the blank line, or at `end` with fragments kept.
    private mutating func scanBytes(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, limits: ParserLimits)
        throws(HTTPParseError) -> Int
    {
        var i = start
        var lineFrom = start, targetFrom = start, nameFrom = start, valueFrom = start
        while i < end {
            let byte = bytes[i]
            switch state {
            case .lineStart:
                // RFC 9112 §2.2: empty lines before the request line may be ignored.
                if byte == ByteClass.cr {
                    state = .emptyLineLF
                } else if ByteClass.isTokenChar(byte) {
                    state = .method
                    lineFrom = i
                } else {
                    throw .badRequest("invalid request line")
                }
                i += 1
            case .emptyLineLF:
                guard byte == ByteClass.lf else { throw .badRequest("bare CR in request") }
                state = .lineStart
                i += 1
            case .method:
                if byte == ByteClass.sp {
                    state = .targetStart
                } else if !ByteClass.isTokenChar(byte) {
                    throw .badRequest("invalid method")
                }
                i += 1
            case .targetStart:
                guard ByteClass.isVisibleASCII(byte) else { throw .badRequest("invalid request target") }
                state = .target
                targetFrom = i
                fallthrough
            case .target:
                var j = ByteClass.visibleRunEnd(bytes, from: i, to: end)
                targetLength += j - i
                if targetLength > limits.maxTargetLength { throw .targetTooLong }
                if j < end {
                    guard bytes[j] == ByteClass.sp else {
                        throw .badRequest("invalid character in request target")
                    }
                    target.append(UnsafeRawBufferPointer(rebasing: bytes[targetFrom..<j]))
                    state = .version
                    j += 1
                }
                i = j
            case .version:
                try scanVersion(byte)
                i += 1
            case .requestLineLF:
                guard byte == ByteClass.lf else { throw .badRequest("bare CR in request line") }
                state = .fieldStart
                i += 1
                forward.append(UnsafeRawBufferPointer(rebasing: bytes[lineFrom..<i]))
            case .fieldStart:
                if byte == ByteClass.cr {
                    state = .finalLF
                    i += 1
                    continue
                }
                guard ByteClass.isTokenChar(byte) else {
                    if ByteClass.isWhitespace(byte) { throw .badRequest("whitespace at start of header line (obs-fold)") }
                    if byte == UInt8(ascii: ":") { throw .badRequest("empty header name") }
                    if byte == ByteClass.lf { throw .badRequest("bare LF in request head") }
                    throw .badRequest("invalid header name")
                }
                headerCount += 1
                if headerCount > limits.maxHeaderCount { throw .headTooLarge("too many header fields") }
                name.removeAll()
                state = .fieldName
                nameFrom = i
                fallthrough
            case .fieldName:
                var j = i
                while j < end, ByteClass.isTokenChar(bytes[j]) { j += 1 }
                if j < end {
                    guard bytes[j] == UInt8(ascii: ":") else { throw .badRequest("invalid header name") }
                    name.appendLowercased(UnsafeRawBufferPointer(rebasing: bytes[nameFrom..<j]), readable: 0)
                    value.removeAll()
                    valueSpilled = false
                    state = .fieldValue
                    j += 1
                    valueFrom = j
                }
                i = j
            case .fieldValue:
                var j = ByteClass.fieldValueRunEnd(bytes, from: i, to: end)
                if j < end {
                    let stop = bytes[j]
                    guard stop == ByteClass.cr else {
                        if stop == ByteClass.lf { throw .badRequest("bare LF in request head") }
                        if stop == 0 { throw .badRequest("NUL in header value") }
                        throw .badRequest("invalid character in header value")
                    }
                    let tail = UnsafeRawBufferPointer(rebasing: bytes[valueFrom..<j])
                    if valueSpilled {
                        value.append(tail)
                        try finishField(value: value.unsafeBytes)
                    } else {
                        try finishField(value: tail)
                    }
                    state = .fieldLineLF
                    j += 1
                }
                i = j
            case .fieldLineLF:
                guard byte == ByteClass.lf else { throw .badRequest("bare CR in header line") }
                state = .fieldStart
                i += 1
            case .finalLF:
                guard byte == ByteClass.lf else { throw .badRequest("bare CR in request head") }
                state = .complete
                return i + 1
            case .complete:
                return i
            }
        }
        // Out of bytes (or of allowance) in the middle of a token: keep the fragment.
        switch state {
        case .method, .targetStart, .version, .requestLineLF:
            forward.append(UnsafeRawBufferPointer(rebasing: bytes[lineFrom..<end]))
        case .target:
            forward.append(UnsafeRawBufferPointer(rebasing: bytes[lineFrom..<end]))
            target.append(UnsafeRawBufferPointer(rebasing: bytes[targetFrom..<end]))
        case .fieldName: name.appendLowercased(UnsafeRawBufferPointer(rebasing: bytes[nameFrom..<end]), readable: 0)
        case .fieldValue:
            value.append(UnsafeRawBufferPointer(rebasing: bytes[valueFrom..<end]))
            valueSpilled = true
        default: break
        }
        return end
    }

    /// `HTTP/` DIGIT `.` DIGIT, then CR.
    private mutating func scanVersion(_ byte: UInt8) throws(HTTPParseError) {
        switch versionIndex {
        case 0...4:
            let expected: StaticString = "HTTP/"
            guard byte == expected.utf8Start[versionIndex] else { throw .badRequest("invalid HTTP version") }
        case 5, 7:
            guard byte &- 48 < 10 else { throw .badRequest("invalid HTTP version") }
            if versionIndex == 5 { versionMajor = Int(byte &- 48) } else { versionMinor = Int(byte &- 48) }
        case 6:
            guard byte == UInt8(ascii: ".") else { throw .badRequest("invalid HTTP version") }
        default:
            guard byte == ByteClass.cr else { throw .badRequest("invalid HTTP version") }
            guard versionMajor == 1 else { throw .versionNotSupported }
            state = .requestLineLF
        }
        versionIndex += 1
    }
}
