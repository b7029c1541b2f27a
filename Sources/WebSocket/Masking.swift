/// The four-byte masking key of a client frame (RFC 6455 §5.3), held as its bytes in wire order.
///
/// Payload byte `i` is XORed with key byte `i % 4`. The mask is applied a word at a time: the key
/// turned to start at the current key byte and repeated to 8 bytes, XORed onto each 8-byte word
/// of the payload (unaligned loads and stores), then byte by byte for the last few bytes.
struct MaskingKey: Equatable {
    /// The key bytes in wire order, as a native load of them gives (so no byte-order question).
    private let wire: UInt32

    /// The key whose wire bytes are `value` big-endian: `0x37FA_213D` goes out as 37 fa 21 3d.
    init(_ value: UInt32) { wire = value.bigEndian }

    /// The key whose four wire bytes start at `offset` of `bytes`.
    init(bytes: UnsafeRawBufferPointer, at offset: Int) {
        wire = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
    }

    /// XORs `bytes` in place with the key, the first byte with key byte `phase` (0 to 3, the
    /// payload offset modulo 4 where a frame's payload comes in several pieces). Returns the phase
    /// for the byte after the last.
    @discardableResult
    func apply(to bytes: UnsafeMutableRawBufferPointer, phase: Int) -> Int {
        guard let base = bytes.baseAddress else { return phase }
        let count = bytes.count
        var key = wire
        var pattern: UInt64 = 0
        withUnsafeBytes(of: &key) { k in
            withUnsafeMutableBytes(of: &pattern) { p in
                for i in 0..<8 { p[i] = k[(i &+ phase) & 3] }
            }
        }
        var i = 0
        while i &+ 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            base.storeBytes(of: word ^ pattern, toByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        // Fewer than 8 left: the pattern's first bytes line up with them.
        withUnsafeBytes(of: &pattern) { p in
            var k = 0
            while i < count {
                base.storeBytes(
                    of: base.load(fromByteOffset: i, as: UInt8.self) ^ p[k], toByteOffset: i, as: UInt8.self)
                i &+= 1
                k &+= 1
            }
        }
        return (phase &+ count) & 3
    }
}
