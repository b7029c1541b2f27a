/// One command waiting for its reply. hiredis holds it (retained) as the callback's privdata; the
/// client's deadline queue holds it too. Whoever completes it first wins: a timed-out command's
/// late reply (or NULL on disconnect) only releases it.
final class PendingCommand {
    typealias Completion = UnsafeContinuation<Result<RedisReply, RedisError>, Never>

    /// Loop time (ms) after which the command fails with a timeout.
    let deadline: UInt64
    /// The connection it was sent on (a timeout drops that connection if it is still current).
    let connectionID: UInt64
    private var continuation: Completion?
    private var handler: ((Result<RedisReply, RedisError>) -> Void)?
    private(set) var isDone = false

    init(deadline: UInt64, connectionID: UInt64, continuation: Completion) {
        self.deadline = deadline
        self.connectionID = connectionID
        self.continuation = continuation
    }

    /// A command whose reply goes to a closure (the connection handshake).
    init(connectionID: UInt64, handler: @escaping (Result<RedisReply, RedisError>) -> Void) {
        self.deadline = .max
        self.connectionID = connectionID
        self.handler = handler
    }

    /// Delivers the result once; later calls are ignored.
    func complete(_ result: Result<RedisReply, RedisError>) {
        guard !isDone else { return }
        isDone = true
        if let continuation {
            self.continuation = nil
            continuation.resume(returning: result)
        } else if let handler {
            self.handler = nil
            handler(result)
        }
    }
}
