import CLibUV
import Glibc

/// A listening socket: TCP (optionally with SO_REUSEPORT), a Unix socket path, or an inherited
/// file descriptor. Accepted connections arrive as ``Stream``s on the loop thread.
public final class Listener {
    private let handle: UnsafeMutablePointer<uv_stream_t>
    private let kind: Stream.Kind
    private unowned let loop: EventLoop
    private var onAccept: ((Stream) -> Void)?
    private var onError: ((UVError) -> Void)?
    public private(set) var isClosed = false
    /// Where it listens: host and bound port, or the socket path.
    public private(set) var address: SocketAddress

    private init(loop: EventLoop, kind: Stream.Kind, handle: UnsafeMutablePointer<uv_stream_t>, address: SocketAddress) {
        self.loop = loop
        self.kind = kind
        self.handle = handle
        self.address = address
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    /// Binds a TCP socket. Port 0 picks a free port (read it from ``address``).
    public static func tcp(loop: EventLoop, host: String, port: Int, reusePort: Bool = false) throws(UVError) -> Listener {
        var storage = try SocketAddress.resolve(host: host, port: port)
        let tcp = Handle.allocate(uv_tcp_t.self)
        let initResult = uv_tcp_init_ex(loop.raw, tcp, UInt32(storage.ss_family))
        guard initResult == 0 else { tcp.deallocate(); throw UVError(initResult) }
        let stream = UnsafeMutableRawPointer(tcp).assumingMemoryBound(to: uv_stream_t.self)
        let listener = Listener(loop: loop, kind: .tcp, handle: stream, address: SocketAddress(host: host, port: port))
        do throws(UVError) {
            if reusePort {
                var fd = uv_os_fd_t(-1)
                try uvCheck(uv_fileno(Handle.base(tcp), &fd))
                var one: Int32 = 1
                if setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                    throw UVError(-errno)
                }
            }
            _ = try withUnsafePointer(to: &storage) { pointer throws(UVError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(UVError) in
                    try uvCheck(uv_tcp_bind(tcp, address, 0))
                }
            }
        } catch {
            listener.close()
            throw error
        }
        return listener
    }

    /// Binds a Unix socket at `path` (an existing socket file is replaced; any other file is left
    /// alone and the bind fails with `EEXIST`).
    public static func unix(loop: EventLoop, path: String) throws(UVError) -> Listener {
        let pipe = Handle.allocate(uv_pipe_t.self)
        uv_pipe_init(loop.raw, pipe, 0)
        let stream = UnsafeMutableRawPointer(pipe).assumingMemoryBound(to: uv_stream_t.self)
        let listener = Listener(loop: loop, kind: .pipe, handle: stream, address: SocketAddress(host: path, port: nil))
        do throws(UVError) { try SocketPath.removeStale(path) } catch {
            listener.address = SocketAddress(host: path, port: 0)  // not ours: close must not unlink it
            listener.close()
            throw error
        }
        let result = uv_pipe_bind(pipe, path)
        if result < 0 { listener.close(); throw UVError(result) }
        return listener
    }

    /// Adopts an already bound (and possibly listening) socket, TCP or Unix, e.g. inherited from
    /// a supervisor or a process manager (`--fd`).
    public static func adopt(loop: EventLoop, fileDescriptor fd: Int32) throws(UVError) -> Listener {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw UVError(-errno) }
        if Int32(storage.ss_family) == AF_UNIX {
            let pipe = Handle.allocate(uv_pipe_t.self)
            uv_pipe_init(loop.raw, pipe, 0)
            let stream = UnsafeMutableRawPointer(pipe).assumingMemoryBound(to: uv_stream_t.self)
            // port 0 (not nil): the path belongs to whoever created the socket, not to us.
            let listener = Listener(loop: loop, kind: .pipe, handle: stream, address: SocketAddress(host: "fd://\(fd)", port: 0))
            let result = uv_pipe_open(pipe, fd)
            if result < 0 { listener.close(); throw UVError(result) }
            return listener
        }
        let tcp = Handle.allocate(uv_tcp_t.self)
        uv_tcp_init(loop.raw, tcp)
        let stream = UnsafeMutableRawPointer(tcp).assumingMemoryBound(to: uv_stream_t.self)
        let listener = Listener(loop: loop, kind: .tcp, handle: stream, address: SocketAddress(host: "fd://\(fd)", port: nil))
        let result = uv_tcp_open(tcp, fd)
        if result < 0 { listener.close(); throw UVError(result) }
        return listener
    }

    /// Creates a listening TCP socket with plain system calls (SO_REUSEADDR, no SO_REUSEPORT), for
    /// a supervisor that hands the one descriptor to all its workers. Returns the descriptor and
    /// the bound address (useful with port 0).
    public static func bindTCPSocket(host: String, port: Int, backlog: Int32) throws(UVError) -> (Int32, SocketAddress) {
        var storage = try SocketAddress.resolve(host: host, port: port)
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UVError(-errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let length = socklen_t(Int32(storage.ss_family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = UVError(-errno)
            Glibc.close(fd)
            throw error
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        return (fd, SocketAddress(&actual) ?? SocketAddress(host: host, port: port))
    }

    /// Creates a listening Unix socket at `path` with plain system calls (a supervisor that hands
    /// the descriptor to its workers); a stale socket there is replaced, anything else refused
    /// (`EEXIST`). Returns the file descriptor.
    public static func bindUnixSocket(path: String, backlog: Int32) throws(UVError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw UVError(-errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { Glibc.close(fd); throw .invalidArgument }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        do throws(UVError) { try SocketPath.removeStale(path) } catch {
            Glibc.close(fd)
            throw error
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = UVError(-errno)
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Starts listening; `onAccept` receives every accepted connection, `onError` accept failures
    /// (e.g. EMFILE), after which listening continues.
    public func listen(backlog: Int32 = 2048, onAccept: @escaping (Stream) -> Void, onError: @escaping (UVError) -> Void = { _ in }) throws(UVError) {
        self.onAccept = onAccept
        self.onError = onError
        try uvCheck(uv_listen(handle, backlog) { server, status in
            let listener = Unmanaged<Listener>.fromOpaque(server!.pointee.data).takeUnretainedValue()
            listener.accept(status: status)
        })
        if kind == .tcp {
            var storage = sockaddr_storage()
            var length = Int32(MemoryLayout<sockaddr_storage>.size)
            let ok = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    uv_tcp_getsockname(UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_tcp_t.self), $0, &length) == 0
                }
            }
            if ok, let bound = SocketAddress(&storage) { address = bound }
        }
    }

    private func accept(status: Int32) {
        guard status >= 0 else { onError?(UVError(status)); return }
        let client: UnsafeMutablePointer<uv_stream_t>
        switch kind {
        case .tcp:
            let tcp = Handle.allocate(uv_tcp_t.self)
            uv_tcp_init(loop.raw, tcp)
            client = UnsafeMutableRawPointer(tcp).assumingMemoryBound(to: uv_stream_t.self)
        case .pipe:
            let pipe = Handle.allocate(uv_pipe_t.self)
            uv_pipe_init(loop.raw, pipe, 0)
            client = UnsafeMutableRawPointer(pipe).assumingMemoryBound(to: uv_stream_t.self)
        }
        let result = uv_accept(handle, client)
        guard result == 0 else {
            Handle.close(client)
            onError?(UVError(result))
            return
        }
        if kind == .tcp {
            uv_tcp_nodelay(UnsafeMutableRawPointer(client).assumingMemoryBound(to: uv_tcp_t.self), 1)
        }
        onAccept?(Stream(loop: loop, kind: kind, handle: client))
    }

    /// Stops listening and frees the socket (a Unix socket file is removed).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        onAccept = nil
        onError = nil
        if kind == .pipe, address.port == nil { unlink(address.host) }  // a path we bound ourselves
        Handle.close(handle)
    }

}
