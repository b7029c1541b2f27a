/// Byte classes of RFC 9110/9112 and small byte-writing helpers, without lookup tables in memory.
enum ByteClass {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let htab: UInt8 = 9

    /// `tchar` of RFC 9110 §5.6.2, as two 64-bit masks over ASCII.
    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool {
        if byte < 64 { return (0x03ff_6cfa_0000_0000 as UInt64) >> byte & 1 != 0 }
        if byte < 128 { return (0x57ff_ffff_c7ff_fffe as UInt64) >> (byte &- 64) & 1 != 0 }
        return false
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
                let special = ((word &- 0x2020_2020_2020_2020) & ~word) | ((del &- 0x0101_0101_0101_0101) & ~del)
                if special & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
        }
        while i < end, isFieldValueChar(bytes[i]) { i += 1 }
        return i
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
                if (low | high) & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
        }
        while i < end, isVisibleASCII(bytes[i]) { i += 1 }
        return i
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
