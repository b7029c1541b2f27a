import Glibc
import Synchronization

/// A `TaskExecutor` that runs jobs on an ``EventLoop``'s thread.
///
/// Jobs enqueued on the loop thread go to a local FIFO drained after I/O callbacks (check
/// phase), before the loop blocks (prepare phase), or from an idle handle; jobs from other
/// threads go through the loop's wake-up queue (`uv_async_send`).
///
/// Lifetime: a task keeps its executor alive, and may be resumed at any time — by a pool thread
/// after the server stopped, or on the loop's thread after the loop closed. So the executor never
/// touches the loop from another thread: it keeps its own copy of the loop thread's identity and a
/// strong reference to the wake-up queue, which refuses jobs once the loop closed (they are
/// dropped: running them elsewhere would break the confinement of everything they touch).
public final class LoopExecutor: TaskExecutor, @unchecked Sendable {
    // Safety: `wakeup` is thread-safe and owned here; `threadID` is atomic; `loop` is used and
    // `loopClosed` read and written only on the loop thread, where the loop is alive until its
    // `close()`, which sets `loopClosed` first.
    private unowned(unsafe) let loop: EventLoop
    private let wakeup: WakeupQueue
    /// The loop thread's `pthread_t` (0 until the loop runs).
    private let threadID = Atomic<UInt>(0)
    @exclusivity(unchecked) private var loopClosed = false

    init(loop: EventLoop, wakeup: WakeupQueue) {
        self.loop = loop
        self.wakeup = wakeup
    }

    /// Called by the loop when a thread starts running it (or closes it without running).
    func bind(to thread: pthread_t) { threadID.store(UInt(thread), ordering: .releasing) }

    /// Called by the loop's `close()` on its thread: from now on every job goes to the closed
    /// wake-up queue, which drops it.
    func loopDidClose() { loopClosed = true }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let thread = threadID.load(ordering: .acquiring)
        if thread != 0, pthread_equal(pthread_t(thread), pthread_self()) != 0, !loopClosed {
            loop.enqueueLocal(unowned)
        } else {
            wakeup.push(job: unowned)
        }
    }
}
