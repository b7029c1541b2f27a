/// A growable byte buffer owned by one parser and reused for every message, so that fragments of
/// a head split across reads cost no allocation once the buffer has grown to the usual size.
///
/// Non-copyable: exactly one owner frees the memory.
struct ByteScratch: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int
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

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ literal: StaticString) {
        append(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends `bytes` ASCII-lower-cased (one pass: header names are copied and folded at once).
    mutating func appendLowercased(_ bytes: UnsafeRawBufferPointer) {
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        guard let source = bytes.baseAddress else { return }
        let out = base + count
        var i = 0
        while i + 8 <= bytes.count {  // eight at a time: OR 0x20 into the upper-case letters
            let word = source.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            out.storeBytes(of: word | ByteClass.upperCaseBits(word) >> 2, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < bytes.count {
            out.storeBytes(of: ByteClass.lowercased(bytes[i]), toByteOffset: i, as: UInt8.self)
            i += 1
        }
        count += bytes.count
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 1)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
