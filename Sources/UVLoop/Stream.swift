import CLibUV

/// What a ``Stream`` tells its owner. Called on the loop thread.
public protocol StreamDelegate: AnyObject {
    /// Bytes arrived. The pointer is valid only during the call (it is a pooled buffer).
    func streamDidRead(_ bytes: UnsafeRawBufferPointer)
    /// The peer closed its side (`error == nil`) or the connection failed.
    func streamDidEnd(error: UVError?)
    /// A queued write finished; ``Stream/queuedWriteBytes`` went down.
    func streamDidWrite()
}

/// A connected TCP or Unix-socket stream (`uv_tcp_t` / `uv_pipe_t`). Loop thread only.
///
/// The handle keeps the stream alive (retained in `handle.data`) until libuv's close callback.
public final class Stream {
    enum Kind { case tcp, pipe }

    let kind: Kind
    let handle: UnsafeMutablePointer<uv_stream_t>
    unowned(unsafe) let loop: EventLoop
    /// Receives read, end and write-completion events. Cleared on close.
    @exclusivity(unchecked) public unowned(unsafe) var delegate: (any StreamDelegate)?
    @exclusivity(unchecked) public private(set) var isReading = false
    @exclusivity(unchecked) public private(set) var isClosed = false
    /// A `sendFile` under way (Stream+SendFile.swift).
    @exclusivity(unchecked) var fileSend: FileSend?

    init(loop: EventLoop, kind: Kind, handle: UnsafeMutablePointer<uv_stream_t>) {
        self.loop = loop
        self.kind = kind
        self.handle = handle
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    static func from(_ handle: UnsafeMutablePointer<uv_stream_t>?) -> Stream {
        Unmanaged<Stream>.fromOpaque(handle!.pointee.data).takeUnretainedValue()
    }

    // MARK: Reading

    public func startReading() {
        guard !isReading, !isClosed else { return }
        isReading = true
        uv_read_start(
            handle,
            { handle, _, buf in
                let stream = Stream.from(UnsafeMutableRawPointer(handle!).assumingMemoryBound(to: uv_stream_t.self))
                let pool = stream.loop.readBuffers
                buf!.pointee = uv_buf_init(pool.take().assumingMemoryBound(to: CChar.self), UInt32(pool.bufferSize))
            },
            { handle, nread, buf in
                let stream = Stream.from(handle)
                defer { if let base = buf?.pointee.base { stream.loop.readBuffers.give(UnsafeMutableRawPointer(base)) } }
                if nread > 0 {
                    stream.delegate?.streamDidRead(UnsafeRawBufferPointer(start: buf!.pointee.base, count: nread))
                } else if nread < 0 {
                    stream.stopReading()
                    stream.delegate?.streamDidEnd(error: nread == Int(UV_EOF.rawValue) ? nil : UVError(Int32(nread)))
                }
            })
    }

    public func stopReading() {
        guard isReading else { return }
        isReading = false
        uv_read_stop(handle)
    }

    // MARK: Closing

    /// Closes the stream; pending writes are cancelled. No delegate call happens after this.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        isReading = false
        delegate = nil
        cancelFileSend()
        Handle.close(handle)
    }

    /// Shuts down the write side once queued writes are done, then calls `completion`.
    public func shutdown(_ completion: @escaping (UVError?) -> Void) {
        guard !isClosed else { completion(.canceled); return }
        let request = ShutdownRequest(completion)
        let result = uv_shutdown(request.raw, handle) { raw, status in
            let request = Unmanaged<ShutdownRequest>.fromOpaque(raw!.pointee.data).takeRetainedValue()
            request.completion(status < 0 ? UVError(status) : nil)
        }
        if result < 0 {
            Unmanaged<ShutdownRequest>.fromOpaque(request.raw.pointee.data).release()
            completion(UVError(result))
        }
    }

    // MARK: Addresses and options

    /// The peer's address (TCP), or nil.
    public var peerAddress: SocketAddress? {
        guard kind == .tcp else { return nil }
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                uv_tcp_getpeername(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_tcp_t.self), $0, &length) == 0
            }
        }
        return ok ? SocketAddress(&storage) : nil
    }

    /// The local address (TCP), or nil.
    public var localAddress: SocketAddress? {
        guard kind == .tcp else { return nil }
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                uv_tcp_getsockname(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_tcp_t.self), $0, &length) == 0
            }
        }
        return ok ? SocketAddress(&storage) : nil
    }

}

/// A `uv_shutdown_t` with its completion; retained through `req.data` until the callback.
final class ShutdownRequest {
    let raw: UnsafeMutablePointer<uv_shutdown_t>
    let completion: (UVError?) -> Void

    init(_ completion: @escaping (UVError?) -> Void) {
        self.completion = completion
        raw = .allocate(capacity: 1)
        raw.pointee.data = nil
        raw.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    deinit { raw.deallocate() }
}
