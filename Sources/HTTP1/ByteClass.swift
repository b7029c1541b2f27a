#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte classes of RFC 9110/9112 and small byte-writing helpers, without lookup tables in memory.
enum ByteClass {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let htab: UInt8 = 9

    /// `tchar` of RFC 9110 §5.6.2, as two 64-bit masks over ASCII.
    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool {
        // Branch-free (conditional moves): names mix both halves, so branches mispredict.
        let mask: UInt64 = byte < 64 ? 0x03ff_6cfa_0000_0000 : (byte < 128 ? 0x57ff_ffff_c7ff_fffe : 0)
        return mask >> (byte & 63) & 1 != 0
    }

    /// Visible ASCII (VCHAR), the only bytes allowed in a request-target.
    @inline(__always)
    static func isVisibleASCII(_ byte: UInt8) -> Bool { byte &- 0x21 < 0x5e }

    /// Bytes allowed inside a field value: VCHAR, obs-text, SP and HTAB (no CTL, no DEL).
    @inline(__always)
    static func isFieldValueChar(_ byte: UInt8) -> Bool { byte >= 0x20 ? byte != 0x7f : byte == htab }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == sp || byte == htab }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 { byte &- 65 < 26 ? byte | 0x20 : byte }

    /// The value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: Int(byte &- 48)
        case 65...70: Int(byte &- 55)
        case 97...102: Int(byte &- 87)
        default: nil
        }
    }

    /// The index of the first byte at or after `start` (before `end`) that is not allowed in a
    /// field value (CR and HTAB included), or `end`. Eight bytes per step (SWAR).
    @inline(__always)
    static func fieldValueRunEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress {
            while i + 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let del = word ^ 0x7f7f_7f7f_7f7f_7f7f
                // A byte < 0x20, or a byte == 0x7f (zero after the XOR).
                // The lowest flagged byte is exact (borrows only run upwards from a flagged byte).
                let special = ((word &- 0x2020_2020_2020_2020) & ~word) | ((del &- 0x0101_0101_0101_0101) & ~del)
                let flags = UInt64(littleEndian: special & 0x8080_8080_8080_8080)
                if flags != 0 {
                    i += flags.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
        }
        while i < end, isFieldValueChar(bytes[i]) { i += 1 }
        return i
    }

    /// The index of the first byte at or after `start` (before `end`) that is not a tchar, or `end`.
    /// Eight bytes per step while they are letters, digits or '-' (nearly every field name), then
    /// byte by byte with the exact class.
    @inline(__always)
    static func tokenRunEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress, end - start >= 8 {
            while i + 8 <= end {
                let misses = commonTokenMisses(base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if misses != 0 {
                    i += misses.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
            // Whole words ran out: the last eight bytes (overlapping) settle the tail at once.
            if i + 8 > end, commonTokenMisses(base.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self)) == 0 {
                return end
            }
        }
        while i < end, isTokenChar(bytes[i]) { i += 1 }
        return i
    }

    /// The high bit of each byte of `word` (in memory order, little-endian) that is not an ASCII
    /// letter, digit or '-'. For a byte b, `((b | 0x80) - c) & 0x80` is set iff `b & 0x7f >= c`,
    /// with no borrow into the next byte.
    @inline(__always)
    static func commonTokenMisses(_ loaded: UInt64) -> UInt64 {
        let word = UInt64(littleEndian: loaded)
        let high: UInt64 = 0x8080_8080_8080_8080
        let t = word | high
        @inline(__always) func atLeast(_ c: UInt64) -> UInt64 { (t &- c &* 0x0101_0101_0101_0101) & high }
        let letters = (atLeast(0x61) & ~atLeast(0x7b)) | (atLeast(0x41) & ~atLeast(0x5b))
        let digitsOrDash = (atLeast(0x30) & ~atLeast(0x3a)) | (atLeast(0x2d) & ~atLeast(0x2e))
        return (~(letters | digitsOrDash) & high) | (word & high)
    }

    /// The high bit of each upper-case ASCII letter of `word` (any byte order).
    @inline(__always)
    static func upperCaseBits(_ word: UInt64) -> UInt64 {
        let high: UInt64 = 0x8080_8080_8080_8080
        let t = word | high
        let atLeastA = (t &- 0x4141_4141_4141_4141) & high
        let atLeastBracket = (t &- 0x5b5b_5b5b_5b5b_5b5b) & high
        return atLeastA & ~atLeastBracket & ~word
    }

    /// The index of the first byte at or after `start` (before `end`) that is not visible ASCII, or
    /// `end`. Eight bytes per step (SWAR).
    @inline(__always)
    static func visibleRunEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress {
            while i + 8 <= end {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // A byte <= 0x20, or a byte >= 0x7f.
                let low = (word &- 0x2121_2121_2121_2121) & ~word
                let high = (word &+ 0x0101_0101_0101_0101) | word
                let flags = UInt64(littleEndian: (low | high) & 0x8080_8080_8080_8080)
                if flags != 0 {
                    i += flags.trailingZeroBitCount >> 3  // exact, as above
                    break
                }
                i += 8
            }
        }
        while i < end, isVisibleASCII(bytes[i]) { i += 1 }
        return i
    }

    /// Whether `bytes` holds a CR, LF or NUL (header injection). Eight bytes per step (SWAR): a
    /// word has a zero byte iff `(w - 0x01…) & ~w & 0x80…` is non-zero.
    @inline(__always)
    static func containsCRLFOrNUL(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        guard count >= 8 else {
            for byte in bytes where byte == cr || byte == lf || byte == 0 { return true }
            return false
        }
        @inline(__always) func hit(_ word: UInt64) -> Bool {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let cr = word ^ 0x0d0d_0d0d_0d0d_0d0d
            let lf = word ^ 0x0a0a_0a0a_0a0a_0a0a
            let zero = ((word &- ones) & ~word) | ((cr &- ones) & ~cr) | ((lf &- ones) & ~lf)
            return zero & 0x8080_8080_8080_8080 != 0
        }
        var i = 0
        while i + 8 < count {
            if hit(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i += 8
        }
        // The last eight bytes (overlapping the previous word): no byte-by-byte tail.
        return hit(base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
    }

    /// Whether two byte strings are equal (memcmp).
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        if a.count <= 8 {  // short: no call
            for i in 0..<a.count where x.load(fromByteOffset: i, as: UInt8.self) != y.load(fromByteOffset: i, as: UInt8.self) {
                return false
            }
            return true
        }
        return memcmp(x, y, a.count) == 0
    }

    /// `bytes` without leading and trailing SP/HTAB.
    @inline(__always)
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, isWhitespace(bytes[start]) { start += 1 }
        while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// A copy of `bytes` (one memcpy; `Array(UnsafeRawBufferPointer)` copies byte by byte).
    @inline(__always)
    static func array(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        return [UInt8](bytes.assumingMemoryBound(to: UInt8.self))
    }

    /// ASCII case-insensitive comparison with a lower-case literal.
    @inline(__always)
    static func equalsLowercased(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let other = lower.utf8Start
        for i in 0..<bytes.count where lowercased(bytes[i]) != other[i] { return false }
        return true
    }

    /// Whether `bytes` starts with a lower-case literal, ASCII case-insensitively.
    static func startsWithLowercased(_ bytes: UnsafeRawBufferPointer, _ lower: StaticString) -> Bool {
        let count = lower.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return equalsLowercased(UnsafeRawBufferPointer(rebasing: bytes[..<count]), lower)
    }
}

extension Array where Element == UInt8 {
    /// Appends a non-negative integer in decimal.
    @inline(__always)
    mutating func appendDecimal(_ value: Int) {
        appendNumber(value, radix: 10)
    }

    /// Appends a non-negative integer in lower-case hexadecimal.
    @inline(__always)
    mutating func appendHex(_ value: Int) {
        appendNumber(value, radix: 16)
    }

    mutating func appendNumber(_ value: Int, radix: Int) {
        precondition(value >= 0, "negative number")
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        Swift.withUnsafeMutableBytes(of: &digits) { raw in
            var v = value
            var i = raw.count
            repeat {
                i -= 1
                let d = UInt8(truncatingIfNeeded: v % radix)
                raw[i] = d < 10 ? 48 &+ d : 87 &+ d
                v /= radix
            } while v > 0
            appendBytes(UnsafeRawBufferPointer(rebasing: raw[i...]))
        }
    }

    /// Appends the UTF-8 bytes of a static string.
    @inline(__always)
    mutating func append(_ literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends raw bytes with one copy (`append(contentsOf:)` with a raw buffer goes byte by byte).
    @inline(__always)
    mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
    }
}
