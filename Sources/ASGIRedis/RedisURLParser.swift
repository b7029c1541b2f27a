import ASGI
import Glibc

/// Parses the URL forms of ``RedisConfiguration``. No Foundation: a small, strict parser.
enum RedisURLParser {
    struct Parsed {
        var endpoint: RedisConfiguration.Endpoint
        var username: String?
        var password: String?
        var database = 0
    }

    static func parse(_ url: String) throws(RedisError) -> Parsed {
        if let rest = url.dropPrefix("redis://") {
            return try parseTCP(rest)
        }
        if let rest = url.dropPrefix("unix://") {
            return try parseUnix(rest)
        }
        throw invalid("expected redis://host[:port][/db] or unix:///path, got \(quoted(url))")
    }

    // redis://[[user]:password@]host[:port][/db]
    private static func parseTCP(_ rest: Substring) throws(RedisError) -> Parsed {
        guard !rest.contains("?"), !rest.contains("#") else {
            throw invalid("query or fragment not supported in redis:// URLs")
        }
        var authority = rest
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = try percentDecoded(userInfo[..<colon])
                username = user.isEmpty ? nil : user
                password = try percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                throw invalid("user info needs a colon: redis://:password@host or redis://user:password@host")
            }
        }
        let (host, port) = try hostAndPort(authority)
        let database = path.isEmpty ? 0 : try parseDatabase(path)
        return Parsed(endpoint: .tcp(host: host, port: port), username: username, password: password, database: database)
    }

    // unix:///path/to.sock[?db=N&password=P&user=U]
    private static func parseUnix(_ rest: Substring) throws(RedisError) -> Parsed {
        var pathPart = rest
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            pathPart = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        let path = try percentDecoded(pathPart)
        guard path.hasPrefix("/"), path.count > 1 else {
            throw invalid("unix socket path must be absolute (unix:///path/to.sock)")
        }
        var parsed = Parsed(endpoint: .unix(path: path))
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = item.firstIndex(of: "=") else { throw invalid("query item without value: \(quoted(item))") }
            let name = item[..<equals]
            let value = try percentDecoded(item[item.index(after: equals)...])
            switch name {
            case "db": parsed.database = try parseDatabase(Substring(value))
            case "password": parsed.password = value
            case "user", "username": parsed.username = value.isEmpty ? nil : value
            default: throw invalid("unknown query parameter \(quoted(name))")
            }
        }
        return parsed
    }

    private static func hostAndPort(_ authority: Substring) throws(RedisError) -> (String, Int) {
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unterminated [IPv6] host") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after [IPv6] host") }
                portPart = after.dropFirst()
            }
            guard isNumeric(String(hostPart), family: AF_INET6) else { throw invalid("not an IPv6 address: \(quoted(hostPart))") }
        } else {
            if let colon = authority.firstIndex(of: ":") {
                hostPart = authority[..<colon]
                portPart = authority[authority.index(after: colon)...]
            } else {
                hostPart = authority
            }
        }
        let host = String(hostPart)
        if !authority.hasPrefix("[") {
            guard !host.isEmpty else { throw invalid("missing host") }
            // A name (e.g. the `redis` service of compose.yaml) is kept as a name: the client
            // resolves it again, off the loop, before every (re)connect, so a Redis that comes
            // back at a new address is found.
            guard isNumeric(host, family: AF_INET) || isHostName(host) else {
                throw invalid("not a host name or an IPv4 address: \(quoted(host))")
            }
        }
        var port = 6379
        if let portPart {
            guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portPart),
                (1...65535).contains(value)
            else { throw invalid("port must be 1-65535, got \(quoted(portPart))") }
            port = value
        }
        return (host, port)
    }

    private static func parseDatabase(_ text: Substring) throws(RedisError) -> Int {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else {
            throw invalid("database must be a non-negative integer, got \(quoted(text))")
        }
        return value
    }

    /// Letters, digits, `-`, `_` and dots (RFC 1123 names, plus `_` which container names use).
    private static func isHostName(_ name: String) -> Bool {
        name.utf8.count <= 253
            && name.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39)
                    || byte == 0x2d || byte == 0x2e || byte == 0x5f
            }
    }

    static func isNumeric(_ host: String, family: Int32) -> Bool {
        var buffer = (UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { inet_pton(family, host, $0.baseAddress) == 1 }
    }

    private static func percentDecoded(_ text: Substring) throws(RedisError) -> String {
        guard let decoded = PercentDecoding.decode(Array(text.utf8), badEscape: .fail) else {
            throw invalid("bad percent-escape in \(quoted(text))")
        }
        return decoded
    }

    private static func invalid(_ reason: String) -> RedisError { RedisError(.invalidURL(reason)) }

    private static func quoted(_ text: some StringProtocol) -> String { "\"\(text)\"" }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? self[index(startIndex, offsetBy: prefix.count)...] : nil
    }
}
