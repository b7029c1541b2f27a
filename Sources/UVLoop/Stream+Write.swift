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
            switch TryWrite(result, of: count) {
            case .done: bytes.removeAll(keepingCapacity: true); return nil
            case .failed(let error): bytes.removeAll(keepingCapacity: true); return error
            case .partial(let count): written = count
            }
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
        request.pointee.data = nil
        let result = uv_write(request, handle, &buffer, 1, writeCompleted)
        if result < 0 {
            block.deallocate()
            return UVError(result)
        }
        return nil
    }

    /// Writes `bytes` and then `body` with one `writev` and empties `bytes`; `body` is not copied:
    /// what the kernel did not take at once is written from the array itself, which the write
    /// request keeps alive until libuv is done with it (large response bodies).
    @discardableResult
    public func write(_ bytes: inout [UInt8], then body: [UInt8]) -> UVError? {
        let headCount = bytes.count, bodyCount = body.count
        guard bodyCount > 0 else { return write(&bytes) }
        guard !isClosed else { bytes.removeAll(keepingCapacity: true); return nil }
        var written = 0
        if handle.pointee.write_queue_size == 0 {
            let result = bytes.withUnsafeMutableBytes { head in
                body.withUnsafeBytes { tail in
                    var buffers = (
                        uv_buf_init(head.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(headCount)),
                        uv_buf_init(UnsafeMutablePointer(mutating: tail.baseAddress!.assumingMemoryBound(to: CChar.self)), UInt32(bodyCount))
                    )
                    return withUnsafeMutableBytes(of: &buffers) {
                        uv_try_write(handle, $0.baseAddress!.assumingMemoryBound(to: uv_buf_t.self), 2)
                    }
                }
            }
            switch TryWrite(result, of: headCount + bodyCount) {
            case .done: bytes.removeAll(keepingCapacity: true); return nil
            case .failed(let error): bytes.removeAll(keepingCapacity: true); return error
            case .partial(let count): written = count
            }
        }
        let error = enqueueWrite(bytes, from: min(written, headCount), then: body, from: max(written - headCount, 0))
        bytes.removeAll(keepingCapacity: true)
        return error
    }

    /// Queues the rest of `bytes` (copied, it is small) and of `body` (referenced, retained).
    private func enqueueWrite(_ bytes: [UInt8], from offset: Int, then body: [UInt8], from bodyOffset: Int) -> UVError? {
        let remaining = bytes.count - offset
        let header = MemoryLayout<uv_write_t>.stride
        let block = UnsafeMutableRawPointer.allocate(byteCount: header + remaining, alignment: 16)
        let request = block.bindMemory(to: uv_write_t.self, capacity: 1)
        let data = block + header
        if remaining > 0 {
            bytes.withUnsafeBytes { raw in data.copyMemory(from: raw.baseAddress! + offset, byteCount: remaining) }
        }
        let hold = Unmanaged.passRetained(WriteHold(body))
        request.pointee.data = hold.toOpaque()
        let result = body.withUnsafeBytes { tail -> Int32 in
            var buffers = (
                uv_buf_init(data.assumingMemoryBound(to: CChar.self), UInt32(remaining)),
                uv_buf_init(
                    UnsafeMutablePointer(mutating: tail.baseAddress!.assumingMemoryBound(to: CChar.self)) + bodyOffset,
                    UInt32(body.count - bodyOffset))
            )
            return withUnsafeMutableBytes(of: &buffers) { raw in
                let first = raw.baseAddress!.assumingMemoryBound(to: uv_buf_t.self)
                // The array's storage does not move while `hold` keeps it: the pointer stays valid.
                return remaining > 0
                    ? uv_write(request, handle, first, 2, writeCompleted)
                    : uv_write(request, handle, first + 1, 1, writeCompleted)
            }
        }
        if result < 0 {
            hold.release()
            block.deallocate()
            return UVError(result)
        }
        return nil
    }
}

/// What `uv_try_write` of `total` bytes came to: all written, the socket failed, or `partial`
/// bytes went (0 on `EAGAIN`) and the rest must be queued.
private enum TryWrite {
    case done
    case failed(UVError)
    case partial(Int)

    @inline(__always)
    init(_ result: Int32, of total: Int) {
        if Int(result) == total {
            self = .done
        } else if result < 0 && result != UV_EAGAIN.rawValue {
            self = .failed(UVError(result))
        } else {
            self = .partial(max(Int(result), 0))
        }
    }
}

/// Keeps a body array alive while a write request points into it.
private final class WriteHold {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// Every queued write ends here: frees the request (and what it kept alive), lets a file send
/// waiting behind the queue start, then tells the delegate.
private func writeCompleted(_ request: UnsafeMutablePointer<uv_write_t>?, _ status: Int32) {
    let stream = Stream.from(request!.pointee.handle)
    if let hold = request!.pointee.data { Unmanaged<WriteHold>.fromOpaque(hold).release() }
    UnsafeMutableRawPointer(request!).deallocate()
    if status < 0 {
        if status != UV_ECANCELED.rawValue { stream.delegate?.streamDidEnd(error: UVError(status)) }
    } else {
        stream.writeQueueProgressed()
        if !stream.isClosed { stream.delegate?.streamDidWrite() }
    }
}
