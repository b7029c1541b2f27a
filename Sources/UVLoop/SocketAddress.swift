import CLibUV

/// A printable socket address: an IP host and port, or a Unix socket path.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    /// nil for a Unix socket.
    public var port: Int?

    public init(host: String, port: Int?) { self.host = host; self.port = port }

    public var description: String {
        guard let port else { return host }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Decodes a `sockaddr_in` / `sockaddr_in6`.
    init?(_ storage: UnsafePointer<sockaddr_storage>) {
        var name = [CChar](repeating: 0, count: 64)
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let port = storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer -> Int in
                uv_ip4_name(pointer, &name, name.count)
                return Int(UInt16(bigEndian: pointer.pointee.sin_port))
            }
            self.init(host: SocketAddress.string(name), port: port)
        case AF_INET6:
            let port = storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer -> Int in
                uv_ip6_name(pointer, &name, name.count)
                return Int(UInt16(bigEndian: pointer.pointee.sin6_port))
            }
            self.init(host: SocketAddress.string(name), port: port)
        default:
            return nil
        }
    }

    /// A NUL-terminated C buffer as text.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Resolves `host` for binding: a numeric IPv4/IPv6 address as it is, else the first address
    /// of ``HostLookup/resolve(host:port:)`` (blocking: for start-up only).
    static func resolve(host: String, port: Int) throws(UVError) -> sockaddr_storage {
        if let storage = numeric(host, port: port) { return storage }
        guard let first = try HostLookup.resolve(host: host, port: port).first, let storage = numeric(first, port: port)
        else { throw UVError(Int32(UV_EAI_NONAME.rawValue)) }
        return storage
    }

    /// A numeric IPv4 or IPv6 address and `port` as a socket address; nil for anything else.
    private static func numeric(_ host: String, port: Int) -> sockaddr_storage? {
        var storage = sockaddr_storage()
        let ok = withUnsafeMutablePointer(to: &storage) { pointer -> Bool in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_addr(host, Int32(port), $0) == 0 }
                || pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_addr(host, Int32(port), $0) == 0 }
        }
        return ok ? storage : nil
    }
}
