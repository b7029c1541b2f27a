import CLibUV

/// Allocation and closing of libuv handles. Handle memory is freed only in the close callback,
/// as libuv requires; the Swift owner stored in `handle.data` (retained) is released there too.
enum Handle {
    /// Allocates zeroed memory for a handle of type `T`.
    static func allocate<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
        return pointer
    }

    static func base<T>(_ pointer: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_handle_t.self)
    }

    /// Closes the handle; its memory is freed and a retained owner in `data` released in the
    /// close callback. Safe to call once per handle.
    static func close<T>(_ pointer: UnsafeMutablePointer<T>) {
        let handle = base(pointer)
        guard uv_is_closing(handle) == 0 else { return }
        uv_close(handle) { handle in
            guard let handle else { return }
            if let owner = handle.pointee.data {
                handle.pointee.data = nil
                Unmanaged<AnyObject>.fromOpaque(owner).release()
            }
            handle.deallocate()
        }
    }

    /// Reads the owner object stored (retained) in a handle's `data` field.
    @inline(__always)
    static func owner<Owner: AnyObject>(_ handle: UnsafeMutablePointer<uv_handle_t>?, as: Owner.Type) -> Owner? {
        guard let data = handle?.pointee.data else { return nil }
        return Unmanaged<Owner>.fromOpaque(data).takeUnretainedValue()
    }
}
