/// Why a Redis command or configuration failed.
///
/// Routes map ``isUnavailable`` errors (not connected, timed out, connection lost) to 503; a
/// RESP error reply of a command is not an error here (it comes back as ``RedisReply/error(_:)``)
/// except for the typed helpers (`get`, `set`, ...), which throw it as a server error.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// No usable connection right now (never connected, reconnecting, closed); the reason is
        /// the last connection error.
        case notConnected(String)
        /// No reply within the command timeout.
        case timeout(milliseconds: UInt64)
        /// The connection broke (or the client was closed) while the command waited.
        case connectionLost(String)
        /// Redis answered with an error (`-ERR ...`) where the helper expected data.
        case server(String)
        /// The URL given to ``RedisConfiguration/init(url:)`` is not valid.
        case invalidURL(String)
        /// A reply of an unexpected type for the helper that sent the command.
        case unexpectedReply(String)
        /// A command this client cannot carry (pub/sub, MONITOR, RESP3).
        case unsupportedCommand(String)
    }

    /// What went wrong, for code that handles the cases differently (the detail is in
    /// ``description``).
    ///
    /// ```swift
    /// do { value = try await redis.get("k") } catch {
    ///     switch error.code {
    ///     case .notConnected, .timeout, .connectionLost: return .text("try again", status: 503)
    ///     case .server, .invalidURL, .unexpectedReply, .unsupportedCommand: throw error
    ///     }
    /// }
    /// ```
    public enum Code: Sendable, Hashable {
        /// No usable connection right now (never connected, reconnecting, closed).
        case notConnected
        /// No reply within the command timeout.
        case timeout
        /// The connection broke (or the client was closed) while the command waited.
        case connectionLost
        /// Redis answered with an error reply (``serverMessage``) where the helper expected data.
        case server
        /// The URL given to ``RedisConfiguration/init(url:)`` is not valid.
        case invalidURL
        /// A reply of an unexpected type for the helper that sent the command.
        case unexpectedReply
        /// A command this client cannot carry (pub/sub, MONITOR, RESP3).
        case unsupportedCommand
    }

    let kind: Kind

    init(_ kind: Kind) { self.kind = kind }

    /// What went wrong.
    public var code: Code {
        switch kind {
        case .notConnected: .notConnected
        case .timeout: .timeout
        case .connectionLost: .connectionLost
        case .server: .server
        case .invalidURL: .invalidURL
        case .unexpectedReply: .unexpectedReply
        case .unsupportedCommand: .unsupportedCommand
        }
    }

    /// True when Redis could not be reached in time: not connected, timeout, connection lost.
    public var isUnavailable: Bool {
        switch code {
        case .notConnected, .timeout, .connectionLost: true
        case .server, .invalidURL, .unexpectedReply, .unsupportedCommand: false
        }
    }

    /// True when the command got no reply within the command timeout.
    public var isTimeout: Bool { code == .timeout }

    /// The error text of a RESP error reply (`ERR ...`, `WRONGTYPE ...`), if that is the cause.
    public var serverMessage: String? {
        if case .server(let message) = kind { return message }
        return nil
    }

    public var description: String {
        switch kind {
        case .notConnected(let reason): "Redis unavailable: not connected (\(reason))"
        case .timeout(let milliseconds): "Redis unavailable: no reply within \(milliseconds) ms"
        case .connectionLost(let reason): "Redis unavailable: connection lost (\(reason))"
        case .server(let message): "Redis error: \(message)"
        case .invalidURL(let reason): "invalid Redis URL: \(reason)"
        case .unexpectedReply(let what): "unexpected Redis reply: \(what)"
        case .unsupportedCommand(let name):
            "\(name) is not supported by RedisClient (pub/sub, MONITOR and RESP3 change the reply stream; subscribe with RedisSubscriber)"
        }
    }
}
