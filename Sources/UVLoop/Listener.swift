import CLibUV
import Glibc

/// A listening socket: TCP (optionally with SO_REUSEPORT), a Unix socket path, or an inherited
/// file descriptor. Accepted connections arrive as ``Stream``s on the loop thread.
///
/// The listener polls the socket (`uv_poll_t`) and calls accept4(2) itself instead of using
/// `uv_listen`: libuv answers EMFILE/ENFILE by silently accepting and closing the pending
/// connections, so the server would never know it ran out of descriptors. Here such a failure
/// reaches `onError` (and the same reserve-descriptor trick sheds the pending connections, so the
/// poll does not spin while nothing can be accepted).
public final class Listener {
    private let fd: Int32
    private let poll: UnsafeMutablePointer<uv_poll_t>
    private let kind: Stream.Kind
    private unowned let loop: EventLoop
    private var onAccept: ((Stream) -> Void)?
    private var onError: ((UVError) -> Void)?
    /// A descriptor held in reserve, given up for a moment to shed connections on EMFILE.
    private var reserve: Int32 = -1
    /// Whether `close` must unlink `address.host` (a Unix socket this listener created).
    private let ownsPath: Bool
    public private(set) var isClosed = false
    /// Where it listens: host and bound port, or the socket path.
    public private(set) var address: SocketAddress
    /// Connections taken per readiness callback before other work gets a turn.
    private static let acceptBatch = 128

    private init(loop: EventLoop, kind: Stream.Kind, fd: Int32, address: SocketAddress, ownsPath: Bool = false) {
        self.loop = loop
        self.kind = kind
        self.fd = fd
        self.address = address
        self.ownsPath = ownsPath
        poll = Handle.allocate(uv_poll_t.self)
    }

    /// Binds and listens on a TCP socket. Port 0 picks a free port (read it from ``address``).
    public static func tcp(loop: EventLoop, host: String, port: Int, reusePort: Bool = false, backlog: Int32 = 2048)
        throws(UVError) -> Listener
    {
        let (fd, address) = try bindTCPSocket(host: host, port: port, backlog: backlog, reusePort: reusePort)
        return Listener(loop: loop, kind: .tcp, fd: fd, address: address)
    }

    /// Binds and listens on a Unix socket at `path` (an existing socket file is replaced; any other
    /// file is left alone and this throws `EEXIST`). The socket file is removed on ``close()``.
    public static func unix(loop: EventLoop, path: String, backlog: Int32 = 2048) throws(UVError) -> Listener {
        let fd = try bindUnixSocket(path: path, backlog: backlog)
        return Listener(loop: loop, kind: .pipe, fd: fd, address: SocketAddress(host: path, port: nil), ownsPath: true)
    }

    /// Adopts an already bound socket, TCP or Unix, e.g. inherited from a supervisor or a process
    /// manager (`--fd`); it is put in the listening state if it is not already.
    public static func adopt(loop: EventLoop, fileDescriptor fd: Int32, backlog: Int32 = 2048) throws(UVError) -> Listener {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw UVError(-errno) }
        if !isListening(fd), Glibc.listen(fd, backlog) != 0 { throw UVError(-errno) }
        if Int32(storage.ss_family) == AF_UNIX {
            // port 0 (not nil): the path belongs to whoever created the socket, not to us.
            return Listener(loop: loop, kind: .pipe, fd: fd, address: SocketAddress(host: "fd://\(fd)", port: 0))
        }
        return Listener(loop: loop, kind: .tcp, fd: fd, address: SocketAddress(host: "fd://\(fd)", port: nil))
    }

    /// Starts accepting; `onAccept` receives every accepted connection, `onError` accept failures
    /// (EMFILE, ENFILE, ENOBUFS...), after which accepting continues. `backlog` is kept for
    /// callers of the earlier API: the socket already listens with the backlog it was made with.
    public func listen(backlog: Int32 = 2048, onAccept: @escaping (Stream) -> Void, onError: @escaping (UVError) -> Void = { _ in }) throws(UVError) {
        precondition(!isClosed, "listen on a closed Listener")
        self.onAccept = onAccept
        self.onError = onError
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0, flags & O_NONBLOCK == 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try uvCheck(uv_poll_init_socket(loop.raw, poll, fd))
        poll.pointee.data = Unmanaged.passRetained(self).toOpaque()
        try uvCheck(
            uv_poll_start(poll, Int32(UV_READABLE.rawValue)) { poll, status, _ in
                let listener = Unmanaged<Listener>.fromOpaque(poll!.pointee.data).takeUnretainedValue()
                listener.acceptPending(status: status)
            })
        if kind == .tcp, let bound = Self.boundAddress(fd) { address = bound }
    }

    /// Accepts every connection the kernel has queued, however many (at most `limit`): before a
    /// graceful stop closes the socket, so that clients already connected, often with their request
    /// sent, are served instead of reset by the close.
    public func acceptQueued(limit: Int = 65_536) {
        guard !isClosed else { return }
        acceptPending(status: 0, limit: limit)
    }

    /// accept4(2) until the queue is empty (or a batch is done).
    private func acceptPending(status: Int32, limit: Int = Listener.acceptBatch) {
        guard status >= 0 else { onError?(UVError(status)); return }
        for _ in 0..<limit where !isClosed {
            let client = accept4(fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            if client >= 0 {
                adopt(client)
                continue
            }
            let code = errno
            switch code {
            case EAGAIN, EWOULDBLOCK:
                return
            case EINTR, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE:
                onError?(UVError(-code))
                shedPending()
                return
            default:
                onError?(UVError(-code))
                return
            }
        }
    }

    /// Out of descriptors: free the reserve, accept and close what waits (those clients see the
    /// connection closed at once instead of hanging), take the reserve back.
    private func shedPending() {
        guard reserve >= 0 else { return }
        Glibc.close(reserve)
        while true {
            let client = accept4(fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
            if client >= 0 { Glibc.close(client); continue }
            if errno == EINTR || errno == ECONNABORTED { continue }
            break
        }
        reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    /// Wraps an accepted descriptor in a libuv stream.
    private func adopt(_ client: Int32) {
        let handle: UnsafeMutablePointer<uv_stream_t>
        let opened: Int32
        switch kind {
        case .tcp:
            let tcp = Handle.allocate(uv_tcp_t.self)
            uv_tcp_init(loop.raw, tcp)
            opened = uv_tcp_open(tcp, client)
            if opened == 0 { uv_tcp_nodelay(tcp, 1) }
            handle = UnsafeMutableRawPointer(tcp).assumingMemoryBound(to: uv_stream_t.self)
        case .pipe:
            let pipe = Handle.allocate(uv_pipe_t.self)
            uv_pipe_init(loop.raw, pipe, 0)
            opened = uv_pipe_open(pipe, client)
            handle = UnsafeMutableRawPointer(pipe).assumingMemoryBound(to: uv_stream_t.self)
        }
        guard opened == 0 else {
            Glibc.close(client)
            Handle.close(handle)
            onError?(UVError(opened))
            return
        }
        onAccept?(Stream(loop: loop, kind: kind, handle: handle))
    }

    /// Stops listening and closes the socket (a Unix socket file this listener made is removed).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        onAccept = nil
        onError = nil
        if ownsPath { unlink(address.host) }
        if reserve >= 0 { Glibc.close(reserve) }
        if poll.pointee.data != nil {
            uv_poll_stop(poll)
            Handle.close(poll)  // releases the retain taken in listen
        } else {
            poll.deallocate()
        }
        Glibc.close(fd)
    }
}
