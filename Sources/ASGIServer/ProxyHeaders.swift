import ASGI
import Glibc

/// `--proxy-headers`: trusts `X-Forwarded-For` and `X-Forwarded-Proto` only when the direct peer
/// is in `--forwarded-allow-ips`, and then takes as client the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy (an attacker can prepend anything on the
/// left, but cannot forge what trusted proxies appended on the right).
struct ProxyHeaders {
    private let trustAll: Bool
    private let networks: [Network]

    init(trusted: [String]) {
        var all = false
        var networks: [Network] = []
        for entry in trusted.flatMap({ $0.split(separator: ",").map { String($0.trimmingSpaces) } }) where !entry.isEmpty {
            if entry == "*" { all = true } else if let network = Network(entry) { networks.append(network) }
        }
        trustAll = all
        self.networks = networks
    }

    /// Whether a `--forwarded-allow-ips` entry is valid (for option validation).
    static func isValidEntry(_ entry: String) -> Bool {
        entry == "*" || Network(entry) != nil
    }

    /// Cheap pre-check, run on every request: is there any field named like `x-forwarded-*`?
    /// (Request header names are lower-case; 15 = `x-forwarded-for`, 17 = `x-forwarded-proto`.)
    @inline(__always)
    static func mayCarryForwarding(_ headers: Headers) -> Bool {
        for field in headers where (field.name.count == 15 || field.name.count == 17) && field.name.first == UInt8(ascii: "x") {
            return true
        }
        return false
    }

    func isTrusted(_ host: String) -> Bool {
        if trustAll { return true }
        guard let address = IPAddress(host) else { return false }
        return networks.contains { $0.contains(address) }
    }

    /// The scope's client and scheme after applying the headers sent by a trusted peer.
    /// `peerTrusted` is the connection's cached `isTrusted(client.host)`.
    func apply(client: Scope.Address?, peerTrusted: Bool, headers: Headers) -> (client: Scope.Address?, scheme: String?) {
        guard peerTrusted, client != nil, ProxyHeaders.mayCarryForwarding(headers) else { return (client, nil) }
        var scheme: String?
        if let proto = headers.values(name: "x-forwarded-proto").last {
            let last = proto.split(separator: ",").last.map { String($0.trimmingSpaces).lowercased() } ?? ""
            if ["http", "https", "ws", "wss"].contains(last) { scheme = last }
        }
        let hops = headers.values(name: "x-forwarded-for")
            .flatMap { $0.split(separator: ",") }
            .map { String($0.trimmingSpaces) }
            .filter { !$0.isEmpty }
        guard !hops.isEmpty else { return (client, scheme) }
        let chosen = hops.last(where: { !isTrusted($0) }) ?? hops[0]
        return (Scope.Address(host: chosen, port: 0), scheme)
    }
}

/// An IPv4 or IPv6 address as 16 bytes (IPv4 mapped into ::ffff:0:0/96).
struct IPAddress: Equatable {
    var bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let raw = withUnsafeBytes(of: v4) { Array($0) }
            bytes = [UInt8](repeating: 0, count: 10) + [0xff, 0xff] + raw
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            return nil
        }
    }
}

/// An address with a prefix length: `10.0.0.0/8`, `::1/128`, or a single address.
struct Network {
    let address: IPAddress
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = IPAddress(parts[0]) else { return nil }
        let isV4 = parts[0].contains(".")
        var prefix = 128
        if parts.count == 2 {
            guard let bits = Int(parts[1]), bits >= 0, bits <= (isV4 ? 32 : 128) else { return nil }
            prefix = isV4 ? bits + 96 : bits
        }
        self.address = address
        self.prefix = prefix
    }

    func contains(_ other: IPAddress) -> Bool {
        var remaining = prefix
        for i in 0..<16 where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xff << (8 - bits))
            if address.bytes[i] & mask != other.bytes[i] & mask { return false }
            remaining -= bits
        }
        return true
    }
}

extension ServerConfig {
    /// Whether `entry` is something `forwardedAllowIPs` accepts: an address, a CIDR or `*`.
    public static func isValidTrustedProxy(_ entry: String) -> Bool { ProxyHeaders.isValidEntry(entry) }
}
