import UVLoop

/// The subscriber's state machine: which channels and patterns Redis must have this connection
/// subscribed to, which are confirmed, and who listens locally. Loop thread only.
///
/// - One Redis subscription per channel or pattern, however many local subscriptions share it;
///   the (P)UNSUBSCRIBE goes out when the last one leaves.
/// - Changes are sent in batches: everything that changed during a loop turn goes out as at most
///   one SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE and PUNSUBSCRIBE, and the next batch waits until Redis
///   confirmed every name of the one in flight. So no name is ever in flight twice, and no
///   subscribe is sent behind an unsubscribe that may bring the connection's count to zero:
///   hiredis 0.14 leaves subscribed mode on a zero count, and a push arriving after that trips an
///   assertion in `redisProcessCallbacks`. (Inside a batch the subscribes go first.)
/// - The transport is a closure (`send`), the input is ``PubSubReply``: the table is tested in
///   process, replies in → commands out.
final class SubscriptionTable: EndOfTurnFlushing {
    /// One channel or pattern.
    final class Entry {
        let key: [UInt8]
        let name: String
        let isPattern: Bool
        /// Subscriptions that receive its messages.
        var listeners: [SubscriptionBuffer] = []
        /// `subscribe` calls waiting for Redis to confirm.
        var waiters: [Waiter] = []
        /// Redis confirmed it on the current connection (and no unsubscribe was confirmed since).
        var confirmed = false
        /// Part of the batch in flight.
        var inFlight = false
        /// In `dirty`.
        var queued = false
        /// Its listeners were told `.interrupted`; the next confirmation tells them `.resumed`.
        var interrupted = false

        init(key: [UInt8], name: String, isPattern: Bool) {
            self.key = key
            self.name = name
            self.isPattern = isPattern
        }

        var isWanted: Bool { !listeners.isEmpty || !waiters.isEmpty }
    }

    struct Waiter {
        let buffer: SubscriptionBuffer
        let continuation: UnsafeContinuation<Result<Void, RedisError>, Never>
    }

    /// Hands one (P)(UN)SUBSCRIBE with its names to the connection; false when it is going away.
    typealias Send = ([[UInt8]]) -> Bool

    let loop: EventLoop
    private let send: Send
    private let confirmTimeoutMilliseconds: UInt64
    /// Asks for the connection to be dropped (it stopped confirming); safe inside hiredis callbacks.
    private let onStall: (String) -> Void
    private let confirmTimer: LoopTimer
    private var channels: [[UInt8]: Entry] = [:]
    private var patterns: [[UInt8]: Entry] = [:]
    /// Entries whose wanted state may differ from Redis', for the next batch.
    private var dirty: [Entry] = []
    private var flushScheduled = false
    /// Confirmations still missing for the batch in flight.
    private(set) var outstanding = 0
    /// The connection is ready for (P)(UN)SUBSCRIBE.
    private(set) var isLinkReady = false
    private(set) var isClosed = false
    private(set) var counters = RedisSubscriberStats()

    init(loop: EventLoop, confirmTimeoutMilliseconds: UInt64, send: @escaping Send, onStall: @escaping (String) -> Void) {
        self.loop = loop
        self.send = send
        self.confirmTimeoutMilliseconds = confirmTimeoutMilliseconds
        self.onStall = onStall
        confirmTimer = LoopTimer(loop: loop)
    }

    deinit { confirmTimer.close() }

    // MARK: - Local subscriptions

    /// Adds `buffer` as a listener of a channel (or pattern) and returns once Redis confirmed it:
    /// at once when it already is. Fails when the connection is lost (or the table closed) first.
    func join(_ buffer: SubscriptionBuffer, name: String, isPattern: Bool) async -> Result<Void, RedisError> {
        precondition(loop.isInLoopThread, "RedisSubscriber is confined to its loop's thread")
        guard !isClosed else { return .failure(RedisError(.notConnected("subscriber closed"))) }
        let key = Array(name.utf8)
        let entry: Entry
        if let existing = isPattern ? patterns[key] : channels[key] {
            entry = existing
        } else {
            entry = Entry(key: key, name: name, isPattern: isPattern)
            if isPattern { patterns[key] = entry } else { channels[key] = entry }
        }
        if entry.confirmed && !entry.inFlight {
            attach(buffer, to: entry)
            return .success(())
        }
        return await withUnsafeContinuation { continuation in
            entry.waiters.append(Waiter(buffer: buffer, continuation: continuation))
            markDirty(entry)
        }
    }

    /// Removes a listener (its subscription was cancelled). No-op when it already left.
    func leave(_ buffer: SubscriptionBuffer) {
        precondition(loop.isInLoopThread, "RedisSubscriber is confined to its loop's thread")
        guard let entry = buffer.entry else { return }
        detach(buffer, from: entry)
        if !entry.isWanted { markDirty(entry) }
    }

    private func attach(_ buffer: SubscriptionBuffer, to entry: Entry) {
        buffer.entry = entry
        buffer.slot = entry.listeners.count
        entry.listeners.append(buffer)
        counters.subscriptions += 1
    }

    private func detach(_ buffer: SubscriptionBuffer, from entry: Entry) {
        let slot = buffer.slot
        precondition(
            slot < entry.listeners.count && entry.listeners[slot] === buffer, "subscription bookkeeping broken")
        let last = entry.listeners.removeLast()
        if slot < entry.listeners.count {
            entry.listeners[slot] = last
            last.slot = slot
        }
        buffer.entry = nil
        counters.subscriptions -= 1
    }

    // MARK: - Batches

    private func markDirty(_ entry: Entry) {
        guard !entry.queued else { return }
        entry.queued = true
        dirty.append(entry)
        if !flushScheduled {
            flushScheduled = true
            loop.flushAtEndOfTurn(self)
        }
    }

    /// End of the loop turn: send what changed during it.
    func flushAtEndOfTurn() {
        flushScheduled = false
        sendBatch()
    }

    private func sendBatch() {
        guard isLinkReady, !isClosed, outstanding == 0, !dirty.isEmpty else { return }
        var subscribe = [Keyword.subscribe], psubscribe = [Keyword.psubscribe]
        var unsubscribe = [Keyword.unsubscribe], punsubscribe = [Keyword.punsubscribe]
        let batch = dirty
        dirty = []
        for entry in batch {
            entry.queued = false
            switch (entry.isWanted, entry.confirmed) {
            case (true, false):
                if entry.isPattern { psubscribe.append(entry.key) } else { subscribe.append(entry.key) }
                entry.inFlight = true
            case (false, true):
                if entry.isPattern { punsubscribe.append(entry.key) } else { unsubscribe.append(entry.key) }
                entry.inFlight = true
            case (false, false):
                remove(entry)
            case (true, true):
                admitWaiters(entry)  // already subscribed: nothing to send
            }
        }
        for command in [subscribe, psubscribe, unsubscribe, punsubscribe] where command.count > 1 {
            guard send(command) else {
                // The connection is going away; its loss resets every entry.
                onStall("the connection is closing")
                return
            }
            outstanding += command.count - 1
            if command[0] == Keyword.subscribe || command[0] == Keyword.psubscribe {
                counters.subscribeCommands += 1
            } else {
                counters.unsubscribeCommands += 1
            }
        }
        if outstanding > 0 {
            confirmTimer.start(after: confirmTimeoutMilliseconds) { [unowned self] in
                self.onStall("no (un)subscribe confirmation within \(self.confirmTimeoutMilliseconds) ms")
            }
        }
    }

    private func remove(_ entry: Entry) {
        if entry.isPattern {
            if patterns[entry.key] === entry { patterns[entry.key] = nil }
        } else if channels[entry.key] === entry {
            channels[entry.key] = nil
        }
    }

    private var allEntries: [Entry] { Array(channels.values) + Array(patterns.values) }

    // MARK: - Replies

    /// A push from Redis: a message to fan out, or a confirmation of the batch in flight.
    func receive(_ reply: PubSubReply) {
        switch reply {
        case .message(let channel, let payload):
            guard let entry = channels[channel] else { return }
            deliver(.message(channel: entry.name, payload: payload), to: entry)
        case .patternMessage(let pattern, let channel, let payload):
            guard let entry = patterns[pattern] else { return }
            deliver(.message(channel: String(decoding: channel, as: UTF8.self), payload: payload), to: entry)
        case .confirmed(let kind, let name):
            if let entry = kind.isPattern ? patterns[name] : channels[name], entry.inFlight,
                kind.isSubscribe != entry.confirmed
            {
                entry.inFlight = false
                if kind.isSubscribe { subscribed(entry) } else { unsubscribed(entry) }
            }
            guard outstanding > 0 else { return }
            outstanding -= 1
            if outstanding == 0 {
                confirmTimer.stop()
                sendBatch()
            }
        }
    }

    private func deliver(_ event: RedisPubSubEvent, to entry: Entry) {
        counters.messages += 1
        for listener in entry.listeners where !listener.yield(event) {
            counters.droppedEvents += 1
        }
    }

    private func subscribed(_ entry: Entry) {
        entry.confirmed = true
        if entry.isPattern { counters.patterns += 1 } else { counters.channels += 1 }
        if entry.interrupted {
            entry.interrupted = false
            for listener in entry.listeners where !listener.yield(.resumed) { counters.droppedEvents += 1 }
        }
        admitWaiters(entry)
        if !entry.isWanted { markDirty(entry) }
    }

    /// The entry is subscribed: its waiters become listeners (before they resume, so nothing
    /// that arrives in between is lost) and their `join`s return.
    private func admitWaiters(_ entry: Entry) {
        let waiters = entry.waiters
        entry.waiters = []
        for waiter in waiters { attach(waiter.buffer, to: entry) }
        for waiter in waiters { waiter.continuation.resume(returning: .success(())) }
    }

    private func unsubscribed(_ entry: Entry) {
        entry.confirmed = false
        if entry.isPattern { counters.patterns -= 1 } else { counters.channels -= 1 }
        if entry.isWanted { markDirty(entry) } else { remove(entry) }
    }

    // MARK: - Connection events

    /// The connection is ready (first connect or reconnect): subscribe everything still wanted.
    /// Called inside a hiredis reply callback, where sending is allowed.
    func linkReady() {
        guard !isClosed else { return }
        isLinkReady = true
        for entry in allEntries {
            if entry.isWanted { markDirty(entry) } else { remove(entry) }
        }
        sendBatch()
    }

    /// The connection is gone: nothing is subscribed any more. Pending `join`s fail, listeners
    /// are told `.interrupted` (once per outage) and stay for the resubscription.
    func linkLost(reason: String) {
        isLinkReady = false
        outstanding = 0
        confirmTimer.stop()
        dirty = []
        let error = RedisError(.connectionLost(reason))
        for entry in allEntries {
            entry.queued = false
            entry.inFlight = false
            if entry.confirmed {
                entry.confirmed = false
                if entry.isPattern { counters.patterns -= 1 } else { counters.channels -= 1 }
            }
            let waiters = entry.waiters
            entry.waiters = []
            for waiter in waiters { waiter.continuation.resume(returning: .failure(error)) }
            if entry.listeners.isEmpty {
                remove(entry)
            } else if !entry.interrupted {
                entry.interrupted = true
                for listener in entry.listeners where !listener.yield(.interrupted) { counters.droppedEvents += 1 }
            }
        }
    }

    /// Ends every subscription (their consumers drain what is buffered) and fails pending joins.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        isLinkReady = false
        outstanding = 0
        confirmTimer.close()
        let error = RedisError(.notConnected("subscriber closed"))
        for entry in allEntries {
            for waiter in entry.waiters { waiter.continuation.resume(returning: .failure(error)) }
            entry.waiters = []
            for listener in entry.listeners {
                listener.entry = nil
                listener.finish()
            }
            entry.listeners = []
        }
        counters.subscriptions = 0
        counters.channels = 0
        counters.patterns = 0
        channels = [:]
        patterns = [:]
        dirty = []
    }
}
