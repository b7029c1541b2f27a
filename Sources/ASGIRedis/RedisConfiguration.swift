/// Where and how to reach Redis, parsed from a URL.
///
/// ```swift
/// var config = try RedisConfiguration(url: "redis://:secret@127.0.0.1:6379/2")
/// config.commandTimeoutMilliseconds = 500
/// ```
///
/// Accepted forms: `redis://[[user]:password@]host[:port][/db]` and
/// `unix:///path/to.sock[?db=N&password=P&user=U]`. A host name stays a name: the client looks it
/// up before every (re)connect, off the loop (hiredis 0.14 would call a blocking `getaddrinfo` on
/// the loop thread), and tries every address it gets.
public struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The server's address.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public static let defaultURL = "redis://127.0.0.1:6379"

    public var endpoint: Endpoint
    /// ACL user name for `AUTH user password` (Redis 6+); nil sends `AUTH password`.
    public var username: String?
    /// Sent with AUTH on every (re)connect when set.
    public var password: String?
    /// Selected with SELECT on every (re)connect when not 0.
    public var database: Int = 0
    /// Bound on TCP connect plus the AUTH/SELECT/PING handshake.
    public var connectTimeoutMilliseconds: UInt64 = 1000
    /// A command without a reply after this long fails with a timeout error.
    public var commandTimeoutMilliseconds: UInt64 = 1000
    /// Reconnect delays start at 50 ms and double up to this.
    public var maxBackoffMilliseconds: UInt64 = 2000

    public init(url: String) throws(RedisError) {
        let parsed = try RedisURLParser.parse(url)
        endpoint = parsed.endpoint
        username = parsed.username
        password = parsed.password
        database = parsed.database
    }

    /// The URL with the password masked, for logs.
    public var description: String {
        let auth: String
        switch (username, password) {
        case (nil, nil): auth = ""
        case (let user?, nil): auth = "\(user)@"
        case (let user, _?): auth = "\(user ?? ""):***@"
        }
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "redis://\(auth)\(shownHost):\(port)/\(database)"
        case .unix(let path):
            return "unix://\(path)?db=\(database)\(password == nil ? "" : "&password=***")"
        }
    }
}
