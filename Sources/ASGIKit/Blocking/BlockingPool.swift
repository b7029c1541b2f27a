/// A bounded pool of threads for work that blocks (WSGI-style handlers, file I/O, heavy CPU).
///
/// Threads start on demand up to `threads`; further work waits in a FIFO queue, so the caller's
/// event loop never waits. The result comes back by resuming the caller's continuation from the
/// pool thread, which sends the task back to its loop through the loop's wake-up queue.
///
/// ```swift
/// let pool = BlockingPool(threads: 4)
/// let text = try await pool.run { try readWholeFile(path) }   // the loop serves others meanwhile
/// ```
public final class BlockingPool: Sendable {
    private let queue: BlockingQueue

    public init(threads: Int = 4) {
        precondition(threads > 0, "BlockingPool needs at least one thread")
        queue = BlockingQueue(maxThreads: threads)
    }

    deinit { queue.close() }

    /// Runs `work` on a pool thread and returns (or throws) its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            queue.submit {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    /// Threads started so far (at most `threads`).
    public var threadCount: Int { queue.threadCount }
}
