import CLibUV

extension Stream {
    /// Bytes handed to libuv and not yet in the socket.
    public var queuedWriteBytes: Int { handle.pointee.write_queue_size }

    /// Writes `bytes` and empties the array (keeping its capacity for reuse).
    ///
    /// Tries `uv_try_write` first (one `write(2)`, done when the kernel takes everything); the
    /// rest goes to `uv_write` from a copy owned by the write request, so the caller's buffer is
    /// free again at once. Returns the error when the socket failed right away.
    @discardableResult
    public func write(_ bytes: inout [UInt8]) -> UVError? {
        let count = bytes.count
        guard count > 0, !isClosed else { bytes.removeAll(keepingCapacity: true); return nil }
        var written = 0
        if handle.pointee.write_queue_size == 0 {
            let result = bytes.withUnsafeMutableBytes { raw -> Int32 in
                var buffer = uv_buf_init(raw.baseAddress!.assumingMemoryBound(to: CChar.self), UInt32(count))
                return uv_try_write(handle, &buffer, 1)
            }
            if Int(result) == count {
                bytes.removeAll(keepingCapacity: true)
                return nil
            }
            if result < 0 && result != UV_EAGAIN.rawValue {
                bytes.removeAll(keepingCapacity: true)
                return UVError(result)
            }
            written = max(Int(result), 0)
        }
        let error = enqueueWrite(bytes, from: written)
        bytes.removeAll(keepingCapacity: true)
        return error
    }

    /// Copies `bytes[offset...]` into one allocation holding the `uv_write_t` and the data.
    private func enqueueWrite(_ bytes: [UInt8], from offset: Int) -> UVError? {
        let remaining = bytes.count - offset
        let header = MemoryLayout<uv_write_t>.stride
        let block = UnsafeMutableRawPointer.allocate(byteCount: header + remaining, alignment: 16)
        let request = block.bindMemory(to: uv_write_t.self, capacity: 1)
        let data = block + header
        bytes.withUnsafeBytes { raw in
            data.copyMemory(from: raw.baseAddress! + offset, byteCount: remaining)
        }
        var buffer = uv_buf_init(data.assumingMemoryBound(to: CChar.self), UInt32(remaining))
        let result = uv_write(request, handle, &buffer, 1) { request, status in
            let stream = Stream.from(request!.pointee.handle)
            UnsafeMutableRawPointer(request!).deallocate()
            if status < 0 {
                if status != UV_ECANCELED.rawValue { stream.delegate?.streamDidEnd(error: UVError(status)) }
            } else {
                stream.delegate?.streamDidWrite()
            }
        }
        if result < 0 {
            block.deallocate()
            return UVError(result)
        }
        return nil
    }
}
