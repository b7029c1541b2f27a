/// Writes a response head into a small scratch area on the stack, then appends it to the output
/// array in one `append(contentsOf:)`.
///
/// Why: every `Array.append(contentsOf:)` costs ~100 instructions of bookkeeping (uniqueness and
/// capacity checks, generic copy loop set-up) before its memcpy; a head written piece by piece
/// (status line, `name`, `: `, value, `\r\n`, ... about 15 pieces) paid ~1,500 for that alone.
/// Here each piece is a plain store or memcpy into the scratch. A head larger than the scratch is
/// flushed to the array as it goes, so any size works.
struct HeadWriter: ~Copyable {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private let out: UnsafeMutablePointer<[UInt8]>

    private init(scratch: UnsafeMutableBufferPointer<UInt8>, out: UnsafeMutablePointer<[UInt8]>) {
        base = scratch.baseAddress!
        capacity = scratch.count
        self.out = out
    }

    /// Runs `body` with a writer that appends to `buffer`. What `body` wrote before a throw may
    /// be partly in `buffer`: callers remove it.
    @inline(__always)
    static func writing<R, E: Error>(into buffer: inout [UInt8], _ body: (inout HeadWriter) throws(E) -> R)
        throws(E) -> R
    {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { (scratch) throws(E) -> R in
            try withUnsafeMutablePointer(to: &buffer) { (out) throws(E) -> R in
                var writer = HeadWriter(scratch: scratch, out: out)
                let result = try body(&writer)
                writer.flush()
                return result
            }
        }
    }

    /// Moves the scratch bytes to the array.
    mutating func flush() {
        guard count > 0 else { return }
        out.pointee.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        count = 0
    }

    @inline(__always)
    mutating func write(_ pointer: UnsafeRawPointer, count n: Int) {
        if count + n > capacity {
            flush()
            if n > capacity {
                out.pointee.append(contentsOf: UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: n))
                return
            }
        }
        (base + count).initialize(from: pointer.assumingMemoryBound(to: UInt8.self), count: n)
        count += n
    }

    @inline(__always)
    mutating func write(_ literal: StaticString) {
        write(literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress else { return }
        write(start, count: bytes.count)
    }

    /// `name: value\r\n`, with one room check for the four pieces.
    @inline(__always)
    mutating func writeField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        let total = name.count + value.count + 4
        guard count + total <= capacity, let nameStart = name.baseAddress else {
            write(name)
            write(": ")
            write(value)
            write("\r\n")
            return
        }
        let p = UnsafeMutableRawPointer(base + count)
        p.copyMemory(from: nameStart, byteCount: name.count)
        var q = p + name.count
        q.storeBytes(of: UInt8(ascii: ":"), as: UInt8.self)
        (q + 1).storeBytes(of: UInt8(ascii: " "), as: UInt8.self)
        q += 2
        if let valueStart = value.baseAddress { q.copyMemory(from: valueStart, byteCount: value.count) }
        q += value.count
        q.storeBytes(of: ByteClass.cr, as: UInt8.self)
        (q + 1).storeBytes(of: ByteClass.lf, as: UInt8.self)
        count += total
    }

    @inline(__always)
    mutating func writeField(_ name: StaticString, _ value: [UInt8]) {
        value.withUnsafeBytes { writeField(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), $0) }
    }

    /// `HTTP/1.1 404 Not Found\r\n` for a status in 100...999 and its reason phrase (empty for an
    /// unregistered code): three digit stores and one copy of the phrase, with one room check.
    @inline(__always)
    mutating func writeStatusLine(_ status: Int, phrase: StaticString) {
        let total = 15 + phrase.utf8CodeUnitCount
        guard (100...999).contains(status), count + total <= capacity else {
            write("HTTP/1.1 ")
            writeDecimal(status)
            write(" ")
            write(phrase)
            write("\r\n")
            return
        }
        let p = UnsafeMutableRawPointer(base + count)
        p.copyMemory(from: ("HTTP/1.1 " as StaticString).utf8Start, byteCount: 9)
        p.storeBytes(of: 48 &+ UInt8(truncatingIfNeeded: status / 100), toByteOffset: 9, as: UInt8.self)
        p.storeBytes(of: 48 &+ UInt8(truncatingIfNeeded: status / 10 % 10), toByteOffset: 10, as: UInt8.self)
        p.storeBytes(of: 48 &+ UInt8(truncatingIfNeeded: status % 10), toByteOffset: 11, as: UInt8.self)
        p.storeBytes(of: UInt8(ascii: " "), toByteOffset: 12, as: UInt8.self)
        (p + 13).copyMemory(from: phrase.utf8Start, byteCount: phrase.utf8CodeUnitCount)
        p.storeBytes(of: ByteClass.cr, toByteOffset: total - 2, as: UInt8.self)
        p.storeBytes(of: ByteClass.lf, toByteOffset: total - 1, as: UInt8.self)
        count += total
    }

    /// A non-negative integer in decimal, written straight into the scratch.
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0, "negative number")
        var v = UInt(bitPattern: value)
        var digits = 1
        var rest = v
        while rest >= 10 {
            rest /= 10
            digits &+= 1
        }
        if count &+ digits > capacity { flush() }  // 20 digits at most: always fits after a flush
        var i = count &+ digits
        repeat {
            i &-= 1
            let (quotient, remainder) = v.quotientAndRemainder(dividingBy: 10)
            base[i] = 48 &+ UInt8(truncatingIfNeeded: remainder)
            v = quotient
        } while v > 0
        count &+= digits
    }

    /// `value` in decimal then CRLF. Up to six digits (every usual content-length) the digits and
    /// the CRLF are assembled in one register and stored at once.
    @inline(__always)
    mutating func writeDecimalLine(_ value: Int) {
        guard value >= 0, value < 1_000_000, count &+ 8 <= capacity else {
            writeDecimal(value)
            write("\r\n")
            return
        }
        var v = UInt64(truncatingIfNeeded: value)
        var word: UInt64 = 0  // digits in memory order (little-endian), most significant first
        var digits = 0
        repeat {
            let (quotient, remainder) = v.quotientAndRemainder(dividingBy: 10)
            word = word << 8 | (48 &+ remainder)
            v = quotient
            digits &+= 1
        } while v > 0
        word |= 0x0a0d << (8 &* UInt64(digits))
        UnsafeMutableRawPointer(base + count).storeBytes(of: word.littleEndian, as: UInt64.self)
        count &+= digits &+ 2
    }
}
