import Synchronization

/// One local subscription to a channel or pattern of a ``RedisSubscriber``.
///
/// Read its ``events`` from one task at a time. It ends when you call ``cancel()``, when the
/// subscription (and every copy of its `events` and their iterators) is released, when the task
/// reading it is cancelled, or when the subscriber closes (then after the buffered events).
/// The Redis UNSUBSCRIBE goes out when the last local subscription of that name ends.
///
/// ```swift
/// let subscription = try await subscriber.subscribe("chat:room1")
/// for await event in subscription.events {
///     if case .message(_, let payload) = event { try await socket.send(payload) }
/// }
/// ```
public final class RedisSubscription: Sendable {
    /// The channel, or for ``RedisSubscriber/psubscribe(_:)`` the glob pattern.
    public let name: String
    /// Whether ``name`` is a pattern.
    public let isPattern: Bool
    let subscriber: RedisSubscriber
    let buffer: SubscriptionBuffer
    private let cancelled = Atomic<Bool>(false)

    init(subscriber: RedisSubscriber, buffer: SubscriptionBuffer, name: String, isPattern: Bool) {
        self.subscriber = subscriber
        self.buffer = buffer
        self.name = name
        self.isPattern = isPattern
    }

    deinit { cancel() }

    /// The events, in order. The sequence keeps the subscription alive while it is iterated.
    public var events: Events { Events(subscription: self) }

    /// Ends the subscription now (a waiting reader gets the end; buffered events are discarded).
    /// Idempotent; any thread.
    public func cancel() {
        guard !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        buffer.terminate()
        let subscriber = subscriber, buffer = buffer
        subscriber.loop.execute { subscriber.leave(buffer) }
    }

    /// The events of one ``RedisSubscription``.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = RedisPubSubEvent
        public typealias Failure = Never
        let subscription: RedisSubscription

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: subscription) }

        public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
            let subscription: RedisSubscription

            /// The next event; nil once the subscription ended.
            public mutating func next() async -> RedisPubSubEvent? {
                let buffer = subscription.buffer
                switch buffer.poll() {
                case .event(let event): return event
                case .end: return nil
                case .empty: break
                }
                let subscription = subscription
                return await withTaskCancellationHandler {
                    await buffer.next()
                } onCancel: {
                    subscription.cancel()
                }
            }
        }
    }
}
