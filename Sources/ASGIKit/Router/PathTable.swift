/// A read-only hash table from path bytes to values, for the lookups the router makes on every
/// request.
///
/// `Dictionary` hashes through `Hasher` (SipHash-1-3): about 300 instructions to find even a
/// one-byte path. Here the hash is FNV-1a over the bytes, started from a per-table random seed,
/// and collisions are resolved by linear probing in a power-of-two array at most half full. The
/// keys are the application's routes, fixed when the table is built, so a client choosing paths
/// can make a lookup probe at most the entries that collide with it, never grow the table.
struct PathTable<Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        let key: [UInt8]
        let value: Value
    }

    private let slots: [Slot?]
    private let mask: Int
    private let seed: UInt64

    init(_ entries: [PathKey: Value]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity <<= 1 }
        var slots = [Slot?](repeating: nil, count: capacity)
        let seed = UInt64.random(in: 0...UInt64.max)
        for (key, value) in entries {
            let bytes = Array(key.bytes)
            var index = bytes.withUnsafeBytes { Int(truncatingIfNeeded: Self.hash($0, seed: seed)) } & (capacity - 1)
            while slots[index] != nil { index = (index + 1) & (capacity - 1) }
            slots[index] = Slot(key: bytes, value: value)
        }
        self.slots = slots
        mask = capacity - 1
        self.seed = seed
    }

    /// The value for exactly these bytes.
    func value(for path: UnsafeRawBufferPointer) -> Value? {
        slots.withUnsafeBufferPointer { slots in
            var index = Int(truncatingIfNeeded: Self.hash(path, seed: seed)) & mask
            while let slot = slots[index] {
                if slot.key.count == path.count, slot.key.withUnsafeBytes({ Self.equal($0, path) }) { return slot.value }
                index = (index + 1) & mask
            }
            return nil
        }
    }

    func value(for path: [UInt8]) -> Value? { path.withUnsafeBytes { value(for: $0) } }

    private static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        // FNV's low bits mix poorly for short keys: fold the high half in before masking.
        return hash ^ (hash >> 29)
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }
}
