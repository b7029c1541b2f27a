import DequeModule
import Synchronization

/// The bounded queue between the subscriber (producer, loop thread) and one subscription's
/// consumer (any task, usually on the loop executor).
///
/// Overflow policy: at `capacity` buffered events the oldest one is dropped for each new one,
/// and the consumer reads one ``RedisPubSubEvent/dropped(count:)`` in their place before the rest.
/// A waiting consumer gets the event handed over directly (no buffering). So a stalled consumer
/// holds at most `capacity` events, and the producer never waits.
final class SubscriptionBuffer: @unchecked Sendable {
    // Safety: `entry` and `slot` are the subscription table's bookkeeping, read and written on
    // the loop thread only (SubscriptionTable preconditions it); everything the consumer touches
    // is inside `state`'s Mutex.
    private struct State {
        var events = EventQueue()
        var dropped = 0
        /// No more events will come (subscriber closed): the consumer drains what is left.
        var finished = false
        /// Cancelled: the consumer's next read ends, buffered events are discarded.
        var terminated = false
        var consumer: UnsafeContinuation<RedisPubSubEvent?, Never>?
    }

    enum Poll {
        case event(RedisPubSubEvent)
        case end
        case empty
    }

    let capacity: Int
    private let state = Mutex(State())
    /// The table entry this buffer listens on, nil while waiting for a confirmation or after it left.
    var entry: SubscriptionTable.Entry?
    /// Its index in `entry.listeners` (swap-remove).
    var slot = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a subscription buffer holds at least one event")
        self.capacity = capacity
    }

    /// Producer side. Returns false when the buffer was full and dropped its oldest event.
    @discardableResult
    func yield(_ event: RedisPubSubEvent) -> Bool {
        let (consumer, kept) = state.withLock { state -> (UnsafeContinuation<RedisPubSubEvent?, Never>?, Bool) in
            if state.finished || state.terminated { return (nil, true) }
            if let consumer = state.consumer {
                state.consumer = nil
                return (consumer, true)
            }
            var kept = true
            if state.events.count >= capacity {
                _ = state.events.popFirst()
                state.dropped += 1
                kept = false
            }
            state.events.append(event)
            return (nil, kept)
        }
        consumer?.resume(returning: event)
        return kept
    }

    /// No more events: the consumer reads what is buffered, then the end.
    func finish() {
        let consumer = state.withLock { state in
            state.finished = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: nil)
    }

    /// Cancelled: the consumer's read ends now; buffered events are released.
    func terminate() {
        let consumer = state.withLock { state in
            state.terminated = true
            state.events = EventQueue()
            state.dropped = 0
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: nil)
    }

    /// Consumer side, without waiting.
    func poll() -> Poll {
        state.withLock { Self.take(&$0) }
    }

    /// Consumer side: the next event, waiting for one; nil at the end.
    func next() async -> RedisPubSubEvent? {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<RedisPubSubEvent?, Never>) in
            let ready: RedisPubSubEvent?? = state.withLock { state in
                switch Self.take(&state) {
                case .event(let event): return .some(event)
                case .end: return .some(nil)
                case .empty:
                    precondition(state.consumer == nil, "a RedisSubscription's events are read by one task at a time")
                    state.consumer = continuation
                    return .none
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private static func take(_ state: inout State) -> Poll {
        if state.terminated { return .end }
        if state.dropped > 0 {
            defer { state.dropped = 0 }
            return .event(.dropped(count: state.dropped))
        }
        if let event = state.events.popFirst() { return .event(event) }
        return state.finished ? .end : .empty
    }
}

/// FIFO of events on a `Deque`. Grows with use only, and gives its storage back when it drains
/// after holding more than 16 events, so a thousand idle subscriptions cost nothing but their
/// empty deques (which allocate nothing).
struct EventQueue {
    private var items = Deque<RedisPubSubEvent>()
    /// The most events held since the queue was last empty.
    private var peak = 0

    var count: Int { items.count }

    mutating func append(_ event: RedisPubSubEvent) {
        items.append(event)
        peak = max(peak, items.count)
    }

    mutating func popFirst() -> RedisPubSubEvent? {
        guard let event = items.popFirst() else { return nil }
        if items.isEmpty {
            if peak > 16 { items = Deque() }
            peak = 0
        }
        return event
    }
}
