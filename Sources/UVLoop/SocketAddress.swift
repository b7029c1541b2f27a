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

    /// Resolves `host` (numeric IPv4/IPv6 first, then the resolver — blocking, for start-up only).
    static func resolve(host: String, port: Int) throws(UVError) -> sockaddr_storage {
        var storage = sockaddr_storage()
        let ok = withUnsafeMutablePointer(to: &storage) { pointer -> Bool in
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_addr(host, Int32(port), $0) == 0 }
                || pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_addr(host, Int32(port), $0) == 0 }
        }
        if ok { return storage }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else { throw UVError(Int32(UV_EAI_NONAME.rawValue)) }
        defer { freeaddrinfo(result) }
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return storage
    }
}
