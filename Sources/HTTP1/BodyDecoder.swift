/// Frames a request body: counts down a Content-Length, or decodes the chunked coding strictly.
///
/// http-parser 2.9 non-strict accepts any two bytes after chunk data in place of CRLF and any byte
/// after the CR of a chunk-size line; a front proxy that frames the body differently would let a
/// client smuggle a request. So the body never goes through http-parser: this decoder accepts only
/// `hex-size [ext] CRLF data CRLF ... 0 [ext] CRLF`, after which the trailer section is scanned
/// by `HeadScanner` in trailer mode.
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
        case chunkSizeWhitespace(size: Int)
        case chunkExtension(size: Int)
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
                    state = .chunkExtension(size: size)
                } else if ByteClass.isWhitespace(byte) {
                    state = .chunkSizeWhitespace(size: size)
                } else {
                    throw .badRequest("invalid chunk size")
                }
                try countLineByte()
                i += 1
            case .chunkSizeWhitespace(let size):
                let byte = bytes[i]
                if byte == ByteClass.cr {
                    state = .chunkSizeLF(size: size)
                } else if byte == UInt8(ascii: ";") {
                    state = .chunkExtension(size: size)
                } else if !ByteClass.isWhitespace(byte) {
                    throw .badRequest("invalid chunk size")
                }
                try countLineByte()
                i += 1
            case .chunkExtension(let size):
                let byte = bytes[i]
                if byte == ByteClass.cr {
                    state = .chunkSizeLF(size: size)
                } else if !ByteClass.isFieldValueChar(byte) {
                    throw .badRequest("invalid chunk extension")
                }
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

    @inline(__always)
    private mutating func countLineByte() throws(HTTPParseError) {
        lineLength &+= 1
        if lineLength > Self.maxChunkLineLength { throw .badRequest("chunk size line too long") }
    }
}
