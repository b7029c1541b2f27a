import ASGI

/// Validates and extracts a request head (or a trailer section) byte by byte, before http-parser
/// sees it.
///
/// http-parser 2.9 is built non-strict on Debian and lets through what RFC 9112 forbids and what
/// request smuggling relies on: whitespace before the colon, obs-fold, bare LF or CR, NUL and raw
/// non-ASCII bytes. This scanner accepts only `METHOD SP target SP HTTP/d.d CRLF`, then
/// `token ":" value CRLF` lines and the blank line, and enforces the size limits. It also
/// extracts the target and the header fields (names lower-cased, values trimmed) so that
/// http-parser's data callbacks are not needed. Fragments split across feeds are kept in scratch
/// buffers that live as long as the connection.
struct HeadScanner: ~Copyable {
    enum Mode { case request, trailers }

    private enum State: UInt8 {
        case lineStart, emptyLineLF, method, targetStart, target, version, requestLineLF
        case fieldStart, fieldName, fieldValue, fieldLineLF, finalLF, complete
    }

    private(set) var mode: Mode = .request
    private var state: State = .lineStart
    private var headBytes = 0
    private var targetLength = 0
    private var headerCount = 0
    private var versionIndex = 0
    private(set) var versionMajor = 0
    private(set) var versionMinor = 0

    /// The request-target as on the wire.
    private(set) var target = ByteScratch(capacity: 256)
    /// The header fields of a request head (trailer fields are validated, not stored).
    private var headers = Headers(minimumCapacity: 8, byteCount: 256)
    private var lastFieldCount = 8
    private var name = ByteScratch(capacity: 64)
    private var value = ByteScratch(capacity: 256)
    private var valueSpilled = false
    private var fieldBytes = 0

    private(set) var contentLengthCount = 0
    private(set) var transferEncodingCount = 0
    private(set) var transferEncodingIsChunked = false
    private(set) var expectsContinue = false

    init() {}

    /// What the scanner learnt about a complete head, read in one access.
    struct Facts {
        var versionMajor: Int
        var versionMinor: Int
        var contentLengthCount: Int
        var transferEncodingCount: Int
        var expectsContinue: Bool
    }

    var facts: Facts {
        Facts(
            versionMajor: versionMajor, versionMinor: versionMinor, contentLengthCount: contentLengthCount,
            transferEncodingCount: transferEncodingCount, expectsContinue: expectsContinue)
    }

    /// Whether the blank line ending the head has been scanned.
    var isComplete: Bool { state == .complete }

    /// Prepares for the next request head, keeping the scratch capacity.
    mutating func reset(mode: Mode) {
        self.mode = mode
        state = mode == .request ? .lineStart : .fieldStart
        headBytes = 0
        targetLength = 0
        headerCount = 0
        versionIndex = 0
        target.removeAll()
        if mode == .request {
            // Size the next head like the last one: usually one allocation per buffer.
            headers = Headers(minimumCapacity: max(lastFieldCount, 8), byteCount: max(fieldBytes, 256))
            fieldBytes = 0
            contentLengthCount = 0
            transferEncodingCount = 0
            transferEncodingIsChunked = false
            expectsContinue = false
        }
    }

    /// Hands over the fields of the completed head.
    mutating func takeHeaders() -> Headers {
        let taken = headers
        lastFieldCount = taken.count
        headers = Headers()
        return taken
    }

    /// Scans `bytes[start...]` until the head is complete or the bytes run out, and returns the
    /// index after the last byte scanned (after the blank line when `isComplete`).
    mutating func scan(_ bytes: UnsafeRawBufferPointer, from start: Int, limits: ParserLimits)
        throws(HTTPParseError) -> Int
    {
        let allowance = max(0, limits.maxHeadSize - headBytes)
        let end = min(bytes.count, start + allowance)
        var i = start
        var targetFrom = start, nameFrom = start, valueFrom = start
        while i < end {
            let byte = bytes[i]
            switch state {
            case .lineStart:
                // RFC 9112 §2.2: empty lines before the request line may be ignored.
                if byte == ByteClass.cr {
                    state = .emptyLineLF
                } else if ByteClass.isTokenChar(byte) {
                    state = .method
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
                    name.append(UnsafeRawBufferPointer(rebasing: bytes[nameFrom..<j]))
                    name.lowercase()
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
                    let duplicateLength: Bool
                    if valueSpilled {
                        value.append(tail)
                        duplicateLength = finishField(value: value.unsafeBytes)
                    } else {
                        duplicateLength = finishField(value: tail)
                    }
                    // Refused here, before http-parser sees the field, for a clear reason.
                    if duplicateLength { throw .badRequest("duplicate Content-Length") }
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
                i += 1
                state = .complete
                headBytes += i - start
                return i
            case .complete:
                return i
            }
        }
        // Out of bytes (or of allowance) in the middle of a token: keep the fragment.
        switch state {
        case .target: target.append(UnsafeRawBufferPointer(rebasing: bytes[targetFrom..<end]))
        case .fieldName: name.append(UnsafeRawBufferPointer(rebasing: bytes[nameFrom..<end]))
        case .fieldValue:
            value.append(UnsafeRawBufferPointer(rebasing: bytes[valueFrom..<end]))
            valueSpilled = true
        default: break
        }
        headBytes += end - start
        if end < bytes.count {
            throw .headTooLarge(mode == .request ? "request head too large" : "trailer section too large")
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

    /// Stores one field (request mode) and notes the fields that decide the message framing.
    /// Returns true for a second Content-Length.
    private mutating func finishField(value raw: UnsafeRawBufferPointer) -> Bool {
        guard mode == .request else { return false }
        let value = ByteClass.trimmed(raw)
        // The scratch's bytes are not mutated while `headers` and the counters are.
        let name = self.name.unsafeBytes
        headers.appendRaw(name: name, value: value)
        fieldBytes += name.count + value.count
        switch name.count {
        case 14 where ByteClass.equalsLowercased(name, "content-length"):
            contentLengthCount += 1
            return contentLengthCount > 1
        case 17 where ByteClass.equalsLowercased(name, "transfer-encoding"):
            transferEncodingCount += 1
            transferEncodingIsChunked = ByteClass.equalsLowercased(value, "chunked")
        case 6 where ByteClass.equalsLowercased(name, "expect"):
            expectsContinue = ByteClass.equalsLowercased(value, "100-continue")
        default:
            break
        }
        return false
    }

    /// Framing rules of RFC 9112 §6 that http-parser does not enforce (or enforces too late).
    ///
    /// Transfer-Encoding must be exactly one field whose value is `chunked`: the server decodes no
    /// other transfer coding, and `gzip, chunked` would hand compressed bytes to the application,
    /// so it is refused like `gzip` or `identity` alone.
    func validateFraming() throws(HTTPParseError) {
        if contentLengthCount > 1 { throw .badRequest("duplicate Content-Length") }
        guard transferEncodingCount > 0 else { return }
        if versionMinor == 0 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
        if contentLengthCount > 0 { throw .badRequest("both Content-Length and Transfer-Encoding") }
        if transferEncodingCount > 1 || !transferEncodingIsChunked {
            throw .badRequest("unsupported Transfer-Encoding")
        }
    }
}
