import CLibUV
import Glibc

/// How a file send started (``Stream/sendFile(_:offset:count:onEvent:)``).
public enum FileSendStart: Sendable {
    /// Every byte is in the kernel already.
    case finished
    /// The rest goes out as the socket drains; events report it.
    case pending
    case failed(UVError)
}

/// What a pending file send reports later, on the loop thread.
public enum FileSendEvent: Sendable {
    /// Some bytes went out and the socket is full again (a client that reads: re-arm timeouts).
    case progressed
    /// Every byte is in the kernel.
    case finished
    /// The socket or the file failed (or the file got shorter).
    case failed(UVError)
}

/// A file going to the socket with `sendfile(2)`: the kernel copies page cache to socket, no
/// user-space buffer. libuv's own `uv_fs_sendfile` does not do that for sockets (it reads and
/// writes on its thread pool), so this calls `sendfile` on the loop thread — the socket is
/// non-blocking — and on `EAGAIN` waits for writability with a `uv_poll_t` on a duplicate of the
/// socket's descriptor (libuv refuses a second watcher on the same descriptor number).
final class FileSend {
    /// Held until the send ends (the descriptor closes with its last reference).
    private var opened: OpenedFile?
    let file: Int32
    var offset: Int
    let end: Int
    let onEvent: (FileSendEvent) -> Void
    /// Bytes libuv had queued before the file: the file waits until they are written.
    var waitingForQueue = false
    private var poll: UnsafeMutablePointer<uv_poll_t>?
    private var pollDescriptor: Int32 = -1
    /// At most this much per loop turn, so one fast download does not starve other connections.
    static let bytesPerTurn = 4 << 20

    init(file: OpenedFile, offset: Int, count: Int, onEvent: @escaping (FileSendEvent) -> Void) {
        self.opened = file
        self.file = file.descriptor
        self.offset = offset
        self.end = offset + count
        self.onEvent = onEvent
    }

    enum Outcome { case finished, pending, failed(UVError) }

    /// Sends until done, `EAGAIN`, or this turn's budget; arms the writability watch when it stops early.
    func pump(_ stream: Stream) -> Outcome {
        var socket: uv_os_fd_t = -1
        guard uv_fileno(Handle.base(stream.handle), &socket) == 0 else { return .failed(.canceled) }
        var budget = Self.bytesPerTurn
        while offset < end {
            if budget <= 0 { return watch(stream, socket) }
            var position = off_t(offset)
            let sent = Glibc.sendfile(socket, file, &position, min(end - offset, budget))
            if sent > 0 {
                offset += sent
                budget -= sent
            } else if sent == 0 {
                return .failed(UVError(-EIO))  // the file is shorter than when it was opened
            } else if errno == EAGAIN {
                return watch(stream, socket)
            } else if errno != EINTR {
                return .failed(UVError(-errno))
            }
        }
        return .finished
    }

    private func watch(_ stream: Stream, _ socket: Int32) -> Outcome {
        if poll == nil {
            let duplicate = fcntl(socket, F_DUPFD_CLOEXEC, 0)
            guard duplicate >= 0 else { return .failed(UVError(-errno)) }
            let handle = Handle.allocate(uv_poll_t.self)
            let result = uv_poll_init(stream.loop.raw, handle, duplicate)
            guard result == 0 else {
                Glibc.close(duplicate)
                handle.deallocate()
                return .failed(UVError(result))
            }
            handle.pointee.data = Unmanaged.passUnretained(stream).toOpaque()
            poll = handle
            pollDescriptor = duplicate
        }
        let result = uv_poll_start(poll, Int32(UV_WRITABLE.rawValue)) { handle, status, _ in
            let stream = Unmanaged<Stream>.fromOpaque(handle!.pointee.data).takeUnretainedValue()
            uv_poll_stop(handle)
            stream.fileWritable(status: status)
        }
        return result == 0 ? .pending : .failed(UVError(result))
    }

    /// Lets go of the file and closes the watch (its duplicate descriptor once libuv let go of the handle).
    func release() {
        opened = nil
        guard let handle = poll else { return }
        poll = nil
        handle.pointee.data = nil
        // Closing a poll handle removes its descriptor from epoll at once, so the duplicate can
        // go now; the handle's memory only in the close callback.
        uv_close(Handle.base(handle)) { base in
            UnsafeMutableRawPointer(base!).assumingMemoryBound(to: uv_poll_t.self).deallocate()
        }
        Glibc.close(pollDescriptor)
        pollDescriptor = -1
    }
}

extension Stream {
    /// Writes `head` (emptied, capacity kept), then sends `count` bytes of the open regular file
    /// `file` from `offset`, after whatever `write` queued before. When nothing is queued the head
    /// goes out with `MSG_MORE`, so the kernel puts it in the same segment as the file's first
    /// bytes (what nginx's `tcp_nopush` gets with `TCP_CORK`). Keeps `file` until the send ends,
    /// fails, or the stream closes (sendfile reads at an explicit offset, so one descriptor can
    /// serve several sends at once). Until it ends, nothing else may be written. Events come
    /// only after this returns.
    public func sendFile(
        _ file: OpenedFile, offset: Int, count: Int, after head: inout [UInt8],
        onEvent: @escaping (FileSendEvent) -> Void
    ) -> FileSendStart {
        precondition(fileSend == nil, "Stream.sendFile while another file send is pending")
        guard !isClosed else { head.removeAll(keepingCapacity: true); return .failed(.canceled) }
        if !head.isEmpty {
            if handle.pointee.write_queue_size == 0, let error = writeCorked(&head) { return .failed(error) }
            if !head.isEmpty, let error = write(&head) { return .failed(error) }
        }
        let send = FileSend(file: file, offset: offset, count: count, onEvent: onEvent)
        if handle.pointee.write_queue_size > 0 {
            send.waitingForQueue = true
            fileSend = send
            return .pending
        }
        switch send.pump(self) {
        case .finished:
            send.release()
            return .finished
        case .failed(let error):
            send.release()
            return .failed(error)
        case .pending:
            fileSend = send
            return .pending
        }
    }

    /// One `send(2)` with `MSG_MORE`; removes what the kernel took from `bytes`.
    private func writeCorked(_ bytes: inout [UInt8]) -> UVError? {
        var socket: uv_os_fd_t = -1
        guard uv_fileno(Handle.base(handle), &socket) == 0 else { return .canceled }
        let flags = Int32(MSG_MORE) | Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)
        var sent: Int
        repeat {
            sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, flags) }
        } while sent < 0 && errno == EINTR
        if sent < 0 { return errno == EAGAIN ? nil : UVError(-errno) }
        if sent == bytes.count { bytes.removeAll(keepingCapacity: true) } else { bytes.removeFirst(sent) }
        return nil
    }

    /// Whether a file send is under way (bytes of it are not in the kernel yet).
    public var isSendingFile: Bool { fileSend != nil }

    /// The writability watch fired, or queued writes ahead of the file drained.
    func fileWritable(status: Int32) {
        guard let send = fileSend, !isClosed else { return }
        let outcome: FileSend.Outcome = status < 0 ? .failed(UVError(status)) : send.pump(self)
        switch outcome {
        case .pending:
            send.onEvent(.progressed)
        case .finished:
            fileSend = nil
            send.release()
            send.onEvent(.finished)
        case .failed(let error):
            fileSend = nil
            send.release()
            send.onEvent(.failed(error))
        }
    }

    /// A queued write completed: a file waiting behind the queue may start.
    func writeQueueProgressed() {
        guard let send = fileSend, send.waitingForQueue, handle.pointee.write_queue_size == 0 else { return }
        send.waitingForQueue = false
        fileWritable(status: 0)
    }

    /// Ends a pending file send without events (the stream is closing).
    func cancelFileSend() {
        guard let send = fileSend else { return }
        fileSend = nil
        send.release()
    }
}
