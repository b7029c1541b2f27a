/// A `TaskExecutor` that runs jobs on an ``EventLoop``'s thread.
///
/// Jobs enqueued on the loop thread go to a local FIFO drained after I/O callbacks (check
/// phase), before the loop blocks (prepare phase), or from an idle handle; jobs from other
/// threads go through the loop's wake-up queue (`uv_async_send`).
public final class LoopExecutor: TaskExecutor, @unchecked Sendable {
    // Safety: `loop` is immutable and owns this executor (it outlives it: unowned(unsafe)); `enqueue` only touches loop-thread state on the loop thread and
    // uses the thread-safe wake-up queue otherwise.
    unowned(unsafe) let loop: EventLoop

    init(loop: EventLoop) { self.loop = loop }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        if loop.isInLoopThread {
            loop.enqueueLocal(unowned)
        } else {
            // After the loop closed the job is dropped: running it on a foreign thread would break
            // the loop confinement of everything it touches. Only happens at process exit.
            loop.wakeup.push(job: unowned)
        }
    }
}
