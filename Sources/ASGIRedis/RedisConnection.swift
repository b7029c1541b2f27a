import CHiredis
import CRedisUV
import UVLoop

/// The Swift owner of one hiredis async context (one connect attempt of a ``RedisClient``).
///
/// The C adapter holds it retained (`ac->data` and the adapter's owner) from the connect until its
/// poll handle is closed, which comes after hiredis freed the context and ran every callback:
/// pending replies (NULL on loss), then connect/disconnect. So every callback can reach it, and it
/// is released exactly once, in `on_closed`. The client ignores callbacks of a connection that is
/// no longer its current one.
final class RedisConnection: EndOfTurnFlushing {
    let id: UInt64
    let client: RedisClient
    /// The C adapter (`credisuv_conn *`), nil once it reported closed.
    var adapter: OpaquePointer?
    /// Why we freed the context ourselves (timeout, close): the error of its pending commands.
    var closeReason: String?
    /// A drop requested inside a hiredis callback, done at the end of the loop turn.
    var dropReason: String?
    /// First AUTH/SELECT error of the handshake.
    var handshakeFailure: String?

    init(client: RedisClient, id: UInt64) {
        self.client = client
        self.id = id
    }

    /// Frees the context now (pending commands fail). Not from inside a hiredis callback.
    func closeContext(reason: String) {
        guard let adapter, credisuv_is_alive(adapter) != 0 else { return }
        if closeReason == nil { closeReason = reason }
        credisuv_close(adapter)
    }

    /// Asks for ``closeContext(reason:)`` once the current hiredis callback is over.
    func requestDrop(reason: String) {
        guard dropReason == nil else { return }
        dropReason = reason
        client.loop.flushAtEndOfTurn(self)
    }

    /// The loop's end-of-turn call: one write of every command buffered this turn, or a requested drop.
    func flushAtEndOfTurn() {
        guard let adapter else { return }
        if let reason = dropReason {
            dropReason = nil
            client.dropConnection(self, reason: reason)
            return
        }
        credisuv_flush(adapter)
    }

    /// The error text for commands failed by a context going away.
    func lossReason(_ context: UnsafePointer<redisAsyncContext>) -> String {
        if let closeReason { return closeReason }
        if context.pointee.c.err != 0 {
            return withUnsafeBytes(of: context.pointee.c.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "connection closed"
    }

    static func from(_ owner: UnsafeMutableRawPointer?) -> RedisConnection {
        Unmanaged<RedisConnection>.fromOpaque(owner!).takeUnretainedValue()
    }

    /// The adapter's calls into Swift.
    static func hooks() -> credisuv_hooks {
        credisuv_hooks(
            want_flush: { owner in
                let connection = RedisConnection.from(owner)
                connection.client.loop.flushAtEndOfTurn(connection)
            },
            on_connect: { owner, status, errstr in
                RedisConnection.from(owner).client.connectFinished(
                    RedisConnection.from(owner), ok: status == REDIS_OK, error: errstr.map { String(cString: $0) })
            },
            on_disconnect: { owner, status, errstr in
                RedisConnection.from(owner).client.connectionLost(
                    RedisConnection.from(owner), error: errstr.map { String(cString: $0) })
            },
            on_closed: { owner in
                let connection = Unmanaged<RedisConnection>.fromOpaque(owner!).takeRetainedValue()
                connection.adapter = nil
                connection.client.connectionClosed(connection)
            })
    }
}

/// hiredis' reply callback for every command. `privdata` is the retained ``PendingCommand``;
/// the reply is freed by hiredis when this returns, so it is copied here.
func redisReplyCallback(
    _ context: UnsafeMutablePointer<redisAsyncContext>?, _ reply: UnsafeMutableRawPointer?,
    _ privdata: UnsafeMutableRawPointer?
) {
    let command = Unmanaged<PendingCommand>.fromOpaque(privdata!).takeRetainedValue()
    guard let context else { return }
    let connection = RedisConnection.from(context.pointee.data)
    guard !command.isDone else {
        connection.client.commandCompleted()
        return
    }
    if let reply {
        command.complete(.success(RedisReply(copying: reply.assumingMemoryBound(to: redisReply.self))))
    } else {
        command.complete(.failure(RedisError(.connectionLost(connection.lossReason(context)))))
    }
    connection.client.commandCompleted()
}
