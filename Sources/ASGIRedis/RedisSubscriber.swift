import CHiredis
import CRedisUV
public import Logging
public import UVLoop

/// Redis pub/sub on a worker's loop: one dedicated connection (a subscribed connection can send
/// nothing but (P)(UN)SUBSCRIBE), shared by every local subscription of the worker.
///
/// Its connection is a private ``RedisClient`` of the same configuration, so it connects,
/// authenticates, selects, times out and reconnects (capped exponential backoff) exactly like
/// the command client. Any number of local subscriptions of one channel share one Redis
/// SUBSCRIBE and are fanned out on the loop thread; the UNSUBSCRIBE goes out when the last one
/// ends. When the connection drops, every subscription gets ``RedisPubSubEvent/interrupted``;
/// after the reconnect every channel and pattern still wanted is subscribed again and its
/// subscriptions get ``RedisPubSubEvent/resumed`` (messages published in between are missed).
/// Each subscription buffers at most `eventBufferCapacity` events for a slow reader, then drops
/// the oldest and says so with ``RedisPubSubEvent/dropped(count:)``.
///
/// Loop-confined like ``RedisClient``: create it, subscribe and close on the loop thread.
/// Subscriptions may be read and cancelled from any task.
///
/// ```swift
/// let subscriber = RedisSubscriber(configuration: configuration, loop: loop)   // or redis.makeSubscriber()
/// let subscription = try await subscriber.subscribe("chat:room1")   // throws while Redis is unreachable
/// for await event in subscription.events {
///     switch event {
///     case .message(let channel, let payload): relay(channel, payload)
///     case .interrupted, .resumed, .dropped: noteGap(event)
///     }
/// }
/// try await redis.publish(channel: "chat:room1", message: "hello")   // on the command client
/// await subscriber.close()
/// ```
public final class RedisSubscriber: @unchecked Sendable {
    // Safety: loop-confined like RedisClient (preconditions on every entry point; hiredis calls
    // back on the loop thread). It is Sendable only so that subscriptions, which may be
    // cancelled from any thread, can hop back to the loop with it.

    public static let defaultEventBufferCapacity = 1024

    public let loop: EventLoop
    /// Events one subscription holds for a reader that falls behind.
    public let eventBufferCapacity: Int
    let connection: RedisClient
    let table: SubscriptionTable

    /// Creates a subscriber; it connects on the first ``subscribe(_:)`` (or ``connect()``).
    /// Call on the loop thread. The configuration's command timeout bounds how long Redis may
    /// take to confirm a (P)(UN)SUBSCRIBE before the connection is dropped and made again.
    public init(
        configuration: RedisConfiguration, loop: EventLoop, logger: Logger = Logger(label: "redis.subscriber"),
        resolver: RedisHostResolver = .system, eventBufferCapacity: Int = RedisSubscriber.defaultEventBufferCapacity
    ) {
        precondition(eventBufferCapacity > 0, "eventBufferCapacity must be positive")
        let connection = RedisClient(configuration: configuration, loop: loop, logger: logger, resolver: resolver)
        self.loop = loop
        self.eventBufferCapacity = eventBufferCapacity
        self.connection = connection
        table = SubscriptionTable(
            loop: loop, confirmTimeoutMilliseconds: configuration.commandTimeoutMilliseconds,
            send: { [unowned connection] args in connection.sendPubSub(args) },
            onStall: { [unowned connection] reason in connection.requestDropOfCurrent(reason: reason) })
        connection.linkObserver = self
    }

    public var configuration: RedisConfiguration { connection.configuration }

    /// True when the connection is up and (P)SUBSCRIBE is accepted.
    public var isConnected: Bool {
        precondition(loop.isInLoopThread, "RedisSubscriber is confined to its loop's thread")
        return table.isLinkReady
    }

    public var stats: RedisSubscriberStats {
        precondition(loop.isInLoopThread, "RedisSubscriber is confined to its loop's thread")
        var stats = table.counters
        stats.reconnects = connection.stats.reconnects
        return stats
    }

    /// Connects now (optional: the first subscribe does it) and returns after the first attempt;
    /// after a failure it keeps retrying in the background.
    nonisolated(nonsending) public func connect() async {
        precondition(loop.isInLoopThread, "RedisSubscriber is confined to its loop's thread")
        guard !table.isClosed else { return }
        await connection.connect()
    }

    /// Subscribes to a channel. Returns once Redis confirmed it (at once when another local
    /// subscription already holds it); throws an ``RedisError/isUnavailable`` error when Redis
    /// cannot be reached right now (not connected, reconnecting, the connection lost meanwhile).
    nonisolated(nonsending) public func subscribe(_ channel: String) async throws(RedisError) -> RedisSubscription {
        try await join(channel, isPattern: false)
    }

    /// Subscribes to a glob pattern (`chat:*`); messages name the channel that matched.
    nonisolated(nonsending) public func psubscribe(_ pattern: String) async throws(RedisError) -> RedisSubscription {
        try await join(pattern, isPattern: true)
    }

    nonisolated(nonsending) private func join(_ name: String, isPattern: Bool) async throws(RedisError)
        -> RedisSubscription
    {
        precondition(loop.isInLoopThread, "RedisSubscriber is confined to its loop's thread")
        guard !table.isClosed else { throw RedisError(.notConnected("subscriber closed")) }
        switch connection.state {
        case .idle, .connecting, .handshaking: await connection.connect()  // the first connect, or an attempt under way
        case .ready, .waiting, .closed: break  // between attempts: fail now, like commands do
        }
        guard !table.isClosed else { throw RedisError(.notConnected("subscriber closed")) }
        guard table.isLinkReady else { throw RedisError(.notConnected(connection.lastError)) }
        let buffer = SubscriptionBuffer(capacity: eventBufferCapacity)
        switch await table.join(buffer, name: name, isPattern: isPattern) {
        case .success: return RedisSubscription(subscriber: self, buffer: buffer, name: name, isPattern: isPattern)
        case .failure(let error): throw error
        }
    }

    /// A subscription ended (loop thread; see RedisSubscription.cancel).
    func leave(_ buffer: SubscriptionBuffer) {
        table.leave(buffer)
    }

    /// Ends every subscription (readers get what is buffered, then the end), fails subscribes in
    /// progress, closes the connection and returns once its handles are gone.
    nonisolated(nonsending) public func close() async {
        precondition(loop.isInLoopThread, "RedisSubscriber is confined to its loop's thread")
        table.close()
        await connection.close()
    }
}

extension RedisSubscriber: RedisLinkObserver {
    func linkReady() {
        connection.enableKeepAlive()
        table.linkReady()
    }

    func linkLost(reason: String) {
        table.linkLost(reason: reason)
    }

    func received(_ reply: PubSubReply) {
        table.receive(reply)
    }
}
