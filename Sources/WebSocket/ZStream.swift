internal import CZlib
internal import Glibc

/// A zlib stream in memory of its own, with the bytes zlib allocated for it counted.
///
/// zlib keeps a pointer back to its `z_stream` and refuses a moved one, so the struct lives in
/// one allocation that never moves, together with the count that the allocation callbacks keep
/// (each block carries its size in a 16-byte prefix, which keeps malloc's alignment).
struct ZStreamBox {
    var stream = z_stream()
    /// Bytes zlib holds now for this stream (its state, window and buffers).
    var allocated = 0

    /// A zeroed box with the counting allocator installed; `deflateInit2`/`inflateInit2` next.
    static func allocate() -> UnsafeMutablePointer<ZStreamBox> {
        let box = UnsafeMutablePointer<ZStreamBox>.allocate(capacity: 1)
        box.initialize(to: ZStreamBox())
        box.pointee.stream.opaque = UnsafeMutableRawPointer(box.pointer(to: \.allocated)!)
        box.pointee.stream.zalloc = { opaque, items, size in
            let bytes = Int(items) * Int(size)
            guard let opaque, let block = malloc(bytes + 16) else { return nil }
            block.storeBytes(of: bytes, as: Int.self)
            opaque.assumingMemoryBound(to: Int.self).pointee += bytes
            return block + 16
        }
        box.pointee.stream.zfree = { opaque, address in
            guard let opaque, let address else { return }
            let block = address - 16
            opaque.assumingMemoryBound(to: Int.self).pointee -= block.load(as: Int.self)
            free(block)
        }
        return box
    }

    /// The `z_stream` inside the box, for zlib's calls.
    static func stream(_ box: UnsafeMutablePointer<ZStreamBox>) -> UnsafeMutablePointer<z_stream> {
        box.pointer(to: \.stream)!
    }

    /// Frees the box (after `deflateEnd`/`inflateEnd`).
    static func deallocate(_ box: UnsafeMutablePointer<ZStreamBox>) {
        box.deinitialize(count: 1)
        box.deallocate()
    }

    /// zlib's window bits for a negotiated `max_window_bits`. zlib cannot deflate raw data with a
    /// 256-byte window (8), so 8 becomes 9; that is safe, as zlib's deflate never emits a distance
    /// past the window minus 262 bytes: 250 for 9 bits, which a 256-byte window covers.
    static func windowBits(_ negotiated: Int) -> Int32 {
        Int32(min(max(negotiated, 9), 15))
    }
}
