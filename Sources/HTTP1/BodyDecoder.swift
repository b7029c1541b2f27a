/// Frames a request body: counts down a Content-Length, or decodes the chunked coding strictly.
///
/// http-parser 2.9 non-strict accepts any two bytes after chunk data in place of CRLF and any byte
/// after the CR of a chunk-size line; a front proxy that frames the body differently would let a
/// client smuggle a request. So the body never goes through http-parser: this decoder accepts only
/// `hex-size [ext] CRLF data CRLF ... 0 [ext] CRLF`, after which the trailer section is scanned
/// by `HeadScanner` in trailer mode. Extensions follow RFC 9112 §7.1.1 exactly:
/// `*( BWS ";" BWS token [ BWS "=" BWS ( token / quoted-string ) ] )` — whitespace only before a
/// `;` or `=` or after one, never right before the CRLF.
struct BodyDecoder {
    /// What one call to `next` found.
    struct Step {
        /// Index after the last byte consumed.
        var end: Int
        /// Body bytes to deliver, a sub-range of the consumed bytes.
        var data: Range<Int>?
        /// The body is complete (content-length) or the trailer section begins (chunked).
        var isDone: Bool
    }

    private enum State {
        case fixed(remaining: Int)
        case chunkSize(size: Int, hasDigits: Bool)
        /// Whitespace after the size: a `;` must follow.
        case chunkSizeWhitespace(size: Int)
        /// After `;`: optional whitespace, then the extension's name.
        case extensionNameStart(size: Int)
        case extensionName(size: Int)
        /// Whitespace after a name: `=` or `;` must follow.
        case extensionAfterName(size: Int)
        /// After `=`: optional whitespace, then a token or a quoted string.
        case extensionValueStart(size: Int)
        case extensionToken(size: Int)
        case extensionQuoted(size: Int)
        case extensionQuotedPair(size: Int)
        /// After a value (a closing quote, or whitespace after a token): `;`, or CR after a quote.
        case extensionAfterValue(size: Int, quoted: Bool)
        case chunkSizeLF(size: Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case done
    }

    /// Longest accepted chunk-size line (size and extensions), a bound on what a client can make
    /// the server scan without delivering body bytes.
    static let maxChunkLineLength: UInt16 = 4096

    // 12 bytes: it lives in every parser, idle or not.
    private var state: State
    private var lineLength: UInt16 = 0

    /// A decoder for `contentLength` bytes of body.
    init(contentLength: Int) { state = contentLength > 0 ? .fixed(remaining: contentLength) : .done }
    /// A decoder for a chunked body.
    init(chunked: ()) { state = .chunkSize(size: 0, hasDigits: false) }

    var isDone: Bool { if case .done = state { true } else { false } }

    /// Consumes bytes from `bytes[start...]` (which must not be empty) up to the next data range,
    /// the end of the body or the end of the bytes.
    mutating func next(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(HTTPParseError) -> Step {
        var i = start
        while i < bytes.count {
            switch state {
            case .fixed(let remaining), .chunkData(let remaining):
                let take = min(remaining, bytes.count - i)
                let left = remaining - take
                if case .fixed = state {
                    state = left == 0 ? .done : .fixed(remaining: left)
                } else {
                    state = left == 0 ? .chunkDataCR : .chunkData(remaining: left)
                }
                return Step(end: i + take, data: i..<(i + take), isDone: isDone)
            case .chunkSize(let size, let hasDigits):
                let byte = bytes[i]
                if let digit = ByteClass.hexValue(byte) {
                    guard size <= (Int.max >> 4) else { throw .badRequest("chunk size too large") }
                    state = .chunkSize(size: size << 4 | digit, hasDigits: true)
                } else if !hasDigits {
                    throw .badRequest("invalid chunk size")
                } else if byte == ByteClass.cr {
                    state = .chunkSizeLF(size: size)
                } else if byte == UInt8(ascii: ";") {
                    state = .extensionNameStart(size: size)
                } else if ByteClass.isWhitespace(byte) {
                    state = .chunkSizeWhitespace(size: size)
                } else {
                    throw .badRequest("invalid chunk size")
                }
                try countLineByte()
                i += 1
            case .chunkSizeWhitespace(let size):
                let byte = bytes[i]
                if byte == UInt8(ascii: ";") {
                    state = .extensionNameStart(size: size)
                } else if !ByteClass.isWhitespace(byte) {
                    throw .badRequest(byte == ByteClass.cr ? "whitespace after chunk size" : "invalid chunk size")
                }
                try countLineByte()
                i += 1
            case .extensionNameStart(let size), .extensionName(let size), .extensionAfterName(let size),
                .extensionValueStart(let size), .extensionToken(let size), .extensionQuoted(let size),
                .extensionQuotedPair(let size), .extensionAfterValue(let size, _):
                try scanExtension(bytes[i], size: size)
                try countLineByte()
                i += 1
            case .chunkSizeLF(let size):
                guard bytes[i] == ByteClass.lf else { throw .badRequest("bare CR in chunk size line") }
                lineLength = 0
                i += 1
                if size == 0 {
                    state = .done
                    return Step(end: i, data: nil, isDone: true)
                }
                state = .chunkData(remaining: size)
            case .chunkDataCR:
                guard bytes[i] == ByteClass.cr else { throw .badRequest("missing CRLF after chunk data") }
                state = .chunkDataLF
                i += 1
            case .chunkDataLF:
                guard bytes[i] == ByteClass.lf else { throw .badRequest("missing CRLF after chunk data") }
                state = .chunkSize(size: 0, hasDigits: false)
                i += 1
            case .done:
                return Step(end: i, data: nil, isDone: true)
            }
        }
        return Step(end: i, data: nil, isDone: isDone)
    }

    /// One byte of a chunk extension (RFC 9112 §7.1.1), in whichever of its parts `state` is.
    private mutating func scanExtension(_ byte: UInt8, size: Int) throws(HTTPParseError) {
        let isToken = ByteClass.isTokenChar(byte)
        let isSpace = ByteClass.isWhitespace(byte)
        let next: State?
        switch state {
        case .extensionNameStart:
            next = isToken ? .extensionName(size: size) : isSpace ? state : nil
        case .extensionName:
            next = isToken ? state : isSpace ? .extensionAfterName(size: size) : separator(byte, size: size, allowCR: true)
        case .extensionAfterName:
            next = isSpace ? state : separator(byte, size: size, allowCR: false)
        case .extensionValueStart:
            if byte == UInt8(ascii: "\"") {
                next = .extensionQuoted(size: size)
            } else {
                next = isToken ? .extensionToken(size: size) : isSpace ? state : nil
            }
        case .extensionToken:
            if isToken {
                next = state
            } else if isSpace {
                next = .extensionAfterValue(size: size, quoted: false)
            } else {
                next = byte == UInt8(ascii: "=") ? nil : separator(byte, size: size, allowCR: true)
            }
        case .extensionQuoted:
            // qdtext: HTAB, SP, VCHAR except `"` and `\`, obs-text.
            if byte == UInt8(ascii: "\"") {
                next = .extensionAfterValue(size: size, quoted: true)
            } else if byte == UInt8(ascii: "\\") {
                next = .extensionQuotedPair(size: size)
            } else {
                next = isSpace || (byte >= 0x21 && byte != 0x7f) ? state : nil
            }
        case .extensionQuotedPair:
            next = isSpace || (byte >= 0x21 && byte != 0x7f) ? .extensionQuoted(size: size) : nil
        case .extensionAfterValue(_, let quoted):
            if isSpace {
                next = .extensionAfterValue(size: size, quoted: false)
            } else {
                next = byte == UInt8(ascii: "=") ? nil : separator(byte, size: size, allowCR: quoted)
            }
        default:
            next = nil
        }
        guard let next else {
            throw .badRequest(byte == ByteClass.lf ? "bare LF in chunk extension" : "invalid chunk extension")
        }
        state = next
    }

    /// After a name or value: `;` starts another extension, `=` a value (after a name), CR ends
    /// the line when no whitespace came before it.
    private func separator(_ byte: UInt8, size: Int, allowCR: Bool) -> State? {
        switch byte {
        case UInt8(ascii: ";"): return .extensionNameStart(size: size)
        case UInt8(ascii: "="):
            if case .extensionName = state { return .extensionValueStart(size: size) }
            if case .extensionAfterName = state { return .extensionValueStart(size: size) }
            return nil
        case ByteClass.cr: return allowCR ? .chunkSizeLF(size: size) : nil
        default: return nil
        }
    }

    @inline(__always)
    private mutating func countLineByte() throws(HTTPParseError) {
        lineLength &+= 1
        if lineLength > Self.maxChunkLineLength { throw .badRequest("chunk size line too long") }
    }
}
