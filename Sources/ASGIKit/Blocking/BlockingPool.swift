/// A bounded pool of threads for work that blocks (WSGI-style handlers, file I/O, heavy CPU).
///
/// Threads start on demand up to `threads`; further work waits in a FIFO queue of at most
/// `maxQueued` jobs (beyond it ``run(_:)`` throws ``BlockingPoolFull`` at once: a router answers
/// it with 503), so the caller's event loop never waits and memory stays bounded. The result comes back by resuming the caller's continuation from the
/// pool thread, which sends the task back to its loop through the loop's wake-up queue.
///
/// ```swift
/// let pool = BlockingPool(threads: 4)
/// let text = try await pool.run { try readWholeFile(path) }   // the loop serves others meanwhile
/// ```
public final class BlockingPool: Sendable {
    private let queue: BlockingQueue

    /// `maxQueued` nil: the queue has no bound.
    public init(threads: Int = 4, maxQueued: Int? = 1024) {
        precondition(threads > 0, "BlockingPool needs at least one thread")
        precondition((maxQueued ?? 0) >= 0, "BlockingPool: maxQueued must not be negative")
        queue = BlockingQueue(maxThreads: threads, maxQueued: maxQueued)
    }

    deinit { queue.close() }

    /// Runs `work` on a pool thread and returns (or throws) its result. Throws ``BlockingPoolFull``
    /// without running `work` when the queue is full.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            let queued = queue.submit {
                continuation.resume(with: Result { try work() })
            }
            if !queued { continuation.resume(throwing: BlockingPoolFull()) }
        }
    }

    /// Threads started so far (at most `threads`).
    public var threadCount: Int { queue.threadCount }
}

/// ``BlockingPool/run(_:)`` refused work because its queue was full.
public struct BlockingPoolFull: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "the blocking pool's queue is full" }
}
