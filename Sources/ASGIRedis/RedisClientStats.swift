/// Counters of one ``RedisClient``, for the pipelining report and health pages.
public struct RedisClientStats: Sendable, Equatable {
    /// Commands handed to hiredis (including the AUTH/SELECT/PING handshakes).
    public var commandsSent: UInt64 = 0
    /// write(2) calls on Redis sockets. `commandsSent / writes` is the pipelining factor.
    public var writes: UInt64 = 0
    /// Connections established again after the first one.
    public var reconnects: UInt64 = 0
    /// Connect attempts, successful or not.
    public var connectAttempts: UInt64 = 0
    /// Commands that failed with a timeout.
    public var timeouts: UInt64 = 0

    public init() {}
}
