import CLibUV
import Glibc

// Listening sockets made with plain system calls: the listener polls and accepts them itself (so
// it sees EMFILE), and a supervisor hands the same descriptors to its workers.
extension Listener {
    /// Creates a listening TCP socket (SO_REUSEADDR, and SO_REUSEPORT when asked). Returns the
    /// descriptor and the bound address (useful with port 0).
    public static func bindTCPSocket(host: String, port: Int, backlog: Int32, reusePort: Bool = false)
        throws(UVError) -> (Int32, SocketAddress)
    {
        var storage = try SocketAddress.resolve(host: host, port: port)
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UVError(-errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            let error = UVError(-errno)
            Glibc.close(fd)
            throw error
        }
        let length = socklen_t(Int32(storage.ss_family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0 else {
            let error = UVError(-errno)
            Glibc.close(fd)
            throw error
        }
        return (fd, boundAddress(fd) ?? SocketAddress(host: host, port: port))
    }

    /// Creates a listening Unix socket at `path`; a stale socket there is replaced, anything else
    /// refused (`EEXIST`). Returns the file descriptor.
    public static func bindUnixSocket(path: String, backlog: Int32) throws(UVError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .invalidArgument }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        try SocketPath.removeStale(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UVError(-errno) }
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

    /// getsockname(2) as a ``SocketAddress`` (nil for a Unix socket or on error).
    static func boundAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0, Int32(storage.ss_family) != AF_UNIX else { return nil }
        return SocketAddress(&storage)
    }

    /// Whether `fd` is a socket in the listening state.
    static func isListening(_ fd: Int32) -> Bool {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0
    }
}
