/// A growable byte buffer reused for every head (it lives in a pooled `HeadScratch`), so that
/// fragments of a head split across reads cost no allocation once it has grown to the usual size.
///
/// Non-copyable: exactly one owner frees the memory.
struct ByteScratch: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(byteCount: self.capacity, alignment: 1)
    }

    deinit { base.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The bytes; valid until the next mutation of this buffer.
    var unsafeBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    mutating func append(_ literal: StaticString) {
        append(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends `bytes` ASCII-lower-cased (one pass: header names are copied and folded at once).
    /// `readable` bytes from the start of `bytes` may be read (>= its count): with 8 or more, a
    /// short name is done as one 8-byte word, and a longer one word by word, the last word
    /// overlapping (folding is idempotent), with no byte-by-byte tail.
    @inline(__always)
    mutating func appendLowercased(_ bytes: UnsafeRawBufferPointer, readable: Int) {
        guard let source = bytes.baseAddress else { return }
        let n = bytes.count
        if count + max(n, 8) > capacity { grow(to: count + max(n, 8)) }
        let out = base + count
        @inline(__always) func fold(_ offset: Int) {
            let word = source.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            out.storeBytes(of: word | ByteClass.upperCaseBits(word) >> 2, toByteOffset: offset, as: UInt64.self)
        }
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                fold(i)
                i &+= 8
            }
            fold(n &- 8)
        } else if readable >= 8 {
            fold(0)  // writes 8 bytes; those past `n` are beyond `count`, free to overwrite
        } else {
            for i in 0..<n { out.storeBytes(of: ByteClass.lowercased(bytes[i]), toByteOffset: i, as: UInt8.self) }
        }
        count &+= n
    }

    @inline(never)
    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
