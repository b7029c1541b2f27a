import CHiredis
import CRedisUV
import Logging
import UVLoop

/// PUBLISH on the command connection, and the hooks that let a ``RedisSubscriber`` drive a
/// private client as its subscribed connection.
extension RedisClient {
    /// PUBLISH: how many subscribers (connections, across all Redis clients) received it.
    ///
    /// ```swift
    /// let receivers = try await redis.publish(channel: "chat:room1", message: "hello")
    /// ```
    nonisolated(nonsending) public func publish(channel: [UInt8], message: [UInt8]) async throws(RedisError) -> Int {
        switch try await command([Keyword.publish, channel, message]) {
        case .integer(let receivers): return Int(receivers)
        case .error(let message): throw RedisError(.server(message))
        case let other: throw RedisError(.unexpectedReply("PUBLISH answered \(other)"))
        }
    }

    nonisolated(nonsending) public func publish(channel: String, message: [UInt8]) async throws(RedisError) -> Int {
        try await publish(channel: Array(channel.utf8), message: message)
    }

    nonisolated(nonsending) public func publish(channel: String, message: String) async throws(RedisError) -> Int {
        try await publish(channel: Array(channel.utf8), message: Array(message.utf8))
    }

    /// A ``RedisSubscriber`` with this client's configuration, loop, logger and resolver (its own
    /// connection: a subscribed connection cannot carry commands). Call on the loop thread.
    public func makeSubscriber(eventBufferCapacity: Int = RedisSubscriber.defaultEventBufferCapacity) -> RedisSubscriber {
        RedisSubscriber(
            configuration: configuration, loop: loop, logger: logger, resolver: resolver,
            eventBufferCapacity: eventBufferCapacity)
    }

    // MARK: - Subscriber mode

    /// Sends one (P)(UN)SUBSCRIBE; every reply it causes (one per name, then the messages) goes
    /// to ``pubSubReplyCallback`` and from there to the link observer. False when not ready.
    func sendPubSub(_ args: [[UInt8]]) -> Bool {
        guard state == .ready, let adapter = current?.adapter else { return false }
        let status = Argv.with(args) { argc, argv, lengths in
            credisuv_command(adapter, pubSubReplyCallback, nil, argc, argv, lengths)
        }
        guard status == REDIS_OK else { return false }
        counters.commandsSent += 1
        metrics.commands.increment()
        return true
    }

    /// Drops the ready connection at the end of this loop turn (safe inside hiredis callbacks);
    /// the usual reconnect follows.
    func requestDropOfCurrent(reason: String) {
        guard state == .ready, let connection = current else { return }
        connection.requestDrop(reason: reason)
    }

    /// TCP keepalive on the ready connection: a subscriber may send nothing for hours, and a
    /// peer gone without a FIN would otherwise never be noticed (dead after about 30 s).
    func enableKeepAlive() {
        guard let adapter = current?.adapter else { return }
        _ = credisuv_enable_keepalive(adapter, 15)
    }
}

/// What a client in subscriber mode reports to its ``RedisSubscriber``. Called on the loop
/// thread: `linkReady` inside the handshake's reply callback (sending is allowed there),
/// `linkLost` inside the disconnect callback or a timer.
protocol RedisLinkObserver: AnyObject {
    func linkReady()
    func linkLost(reason: String)
    func received(_ reply: PubSubReply)
}

/// hiredis' callback for (P)(UN)SUBSCRIBE: it runs once per confirmation and per message (the
/// callback stays in hiredis' channel table), then once with a NULL reply when the context is
/// freed — ignored, the disconnect callback reports the loss. No privdata: nothing to release.
func pubSubReplyCallback(
    _ context: UnsafeMutablePointer<redisAsyncContext>?, _ reply: UnsafeMutableRawPointer?,
    _ privdata: UnsafeMutableRawPointer?
) {
    guard let context, let reply else { return }
    let connection = RedisConnection.from(context.pointee.data)
    let client = connection.client
    guard connection === client.current, let observer = client.linkObserver,
        let push = PubSubReply(copying: reply.assumingMemoryBound(to: redisReply.self))
    else { return }
    observer.received(push)
}

extension Keyword {
    static let publish = Array("PUBLISH".utf8)
    static let subscribe = Array("SUBSCRIBE".utf8)
    static let psubscribe = Array("PSUBSCRIBE".utf8)
    static let unsubscribe = Array("UNSUBSCRIBE".utf8)
    static let punsubscribe = Array("PUNSUBSCRIBE".utf8)
}
