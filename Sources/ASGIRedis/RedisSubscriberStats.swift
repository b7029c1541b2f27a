/// Counters of one ``RedisSubscriber``, for tests and health pages.
public struct RedisSubscriberStats: Sendable, Equatable {
    /// Local subscriptions receiving events now.
    public var subscriptions = 0
    /// Channels Redis confirmed on the current connection (one per channel, however many share it).
    public var channels = 0
    /// Patterns Redis confirmed on the current connection.
    public var patterns = 0
    /// SUBSCRIBE and PSUBSCRIBE commands sent (each carries every name of one batch).
    public var subscribeCommands: UInt64 = 0
    /// UNSUBSCRIBE and PUNSUBSCRIBE commands sent.
    public var unsubscribeCommands: UInt64 = 0
    /// Messages received from Redis (before the local fan-out).
    public var messages: UInt64 = 0
    /// Events dropped because a subscription's buffer was full, summed over subscriptions.
    public var droppedEvents: UInt64 = 0
    /// Connections established again after the first one.
    public var reconnects: UInt64 = 0

    public init() {}
}
