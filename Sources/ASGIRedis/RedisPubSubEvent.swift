/// What a ``RedisSubscription`` delivers, in order.
///
/// A consumer that only relays messages can ignore the markers; one that must not miss anything
/// treats ``interrupted`` (until ``resumed``) and ``dropped(count:)`` as gaps.
public enum RedisPubSubEvent: Sendable, Equatable {
    /// A message published to `channel`: for a pattern subscription, the concrete channel that
    /// matched (the pattern is ``RedisSubscription/name``). `payload` is the exact bytes published.
    case message(channel: String, payload: [UInt8])
    /// The connection to Redis was lost. Messages published from now until ``resumed`` are missed;
    /// the subscriber reconnects by itself.
    case interrupted
    /// Reconnected and subscribed again. Messages published during the gap were missed.
    case resumed
    /// The consumer fell behind: the subscription's buffer was full and its `count` oldest
    /// events (messages or markers) were dropped. Delivered in their place, before what is left.
    case dropped(count: Int)
}
