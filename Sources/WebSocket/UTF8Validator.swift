/// Checks UTF-8 incrementally, a piece at a time, so that a text message is refused at its first
/// bad byte even when that byte arrives long before the message ends (RFC 6455 §8.1).
///
/// Well-formed means RFC 3629: no overlong forms, no surrogates (U+D800–U+DFFF), nothing past
/// U+10FFFF. The state between pieces is the number of continuation bytes still due and the range
/// the next one must fall in (narrower than 80–BF only right after E0, ED, F0 and F4). ASCII runs
/// are skipped 8 bytes at a time.
struct UTF8Validator {
    /// Continuation bytes still due for the current sequence (0 between characters).
    private var pending: UInt8 = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// Whether the bytes so far end at a character boundary (a message may end here).
    var isComplete: Bool { pending == 0 }

    /// Checks the next piece; false at the first byte that cannot continue well-formed UTF-8
    /// (the validator is then spent).
    mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        while i < count {
            if pending == 0 {
                // Skip ASCII a word at a time.
                while i &+ 8 <= count,
                    base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    i &+= 8
                }
                guard i < count else { break }
                let byte = base.load(fromByteOffset: i, as: UInt8.self)
                i &+= 1
                switch byte {
                case 0x00...0x7F: continue
                case 0xC2...0xDF: begin(1, 0x80, 0xBF)
                case 0xE0: begin(2, 0xA0, 0xBF)  // E0 80–9F would be overlong
                case 0xED: begin(2, 0x80, 0x9F)  // ED A0–BF would be a surrogate
                case 0xE1...0xEC, 0xEE...0xEF: begin(2, 0x80, 0xBF)
                case 0xF0: begin(3, 0x90, 0xBF)  // F0 80–8F would be overlong
                case 0xF1...0xF3: begin(3, 0x80, 0xBF)
                case 0xF4: begin(3, 0x80, 0x8F)  // F4 90 and up is past U+10FFFF
                default: return false  // a lone continuation, C0, C1, F5–FF
                }
            } else {
                let byte = base.load(fromByteOffset: i, as: UInt8.self)
                guard byte >= lower, byte <= upper else { return false }
                i &+= 1
                pending &-= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    @inline(__always)
    private mutating func begin(_ continuations: UInt8, _ low: UInt8, _ high: UInt8) {
        pending = continuations
        lower = low
        upper = high
    }

    /// Whether `bytes` are complete, well-formed UTF-8.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isComplete
    }
}
