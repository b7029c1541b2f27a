import CLibUV
import Glibc

/// The path of a Unix socket a server binds.
public enum SocketPath {
    /// What is at a path a Unix socket is about to be bound to.
    public enum Occupant: Sendable, Equatable {
        case nothing
        /// A socket file (a server's, possibly one that died): safe to replace.
        case socket
        /// A regular file, directory, link or anything else that is not a socket.
        case other
    }

    /// Looks at `path` without following a symbolic link.
    public static func occupant(of path: String) -> Occupant {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .nothing }
        return (info.st_mode & S_IFMT) == S_IFSOCK ? .socket : .other
    }

    /// Removes a stale socket at `path` before a bind. Anything that is not a socket is left
    /// alone: throws `EEXIST` (a typo in `--uds` must not delete someone's file).
    public static func removeStale(_ path: String) throws(UVError) {
        switch occupant(of: path) {
        case .nothing: return
        case .socket: unlink(path)
        case .other: throw UVError(Int32(UV_EEXIST.rawValue))
        }
    }
}
