import CLibUV
import Synchronization

/// The only door into the loop from other threads: a locked queue of jobs and closures, drained
/// by one `uv_async_t` callback on the loop thread (`uv_async_send` calls coalesce).
final class WakeupQueue: @unchecked Sendable {
    // Safety: `pending` is guarded by its Mutex; `async` is written on attach/detach on the loop
    // thread, and read by other threads only between those two points (uv_async_send is thread-safe).
    private struct Pending {
        var jobs: [UnownedJob] = []
        var closures: [@Sendable () -> Void] = []
        var open = true
    }
    private let pending = Mutex(Pending())
    private var async: UnsafeMutablePointer<uv_async_t>?

    func attach(to loop: EventLoop) throws(UVError) {
        let handle = Handle.allocate(uv_async_t.self)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        try uvCheck(uv_async_init(loop.raw, handle) { handle in
            let queue = Handle.owner(Handle.base(handle!), as: WakeupQueue.self)!
            queue.drain(EventLoop.from(handle?.pointee.loop))
        })
        async = handle
    }

    func detach() {
        pending.withLock { $0.open = false }
        if let async { Handle.close(async) }
        async = nil
    }

    /// Queues a job from any thread. Returns false if the loop is closed.
    @discardableResult
    func push(job: UnownedJob) -> Bool {
        let accepted = pending.withLock { state -> Bool in
            guard state.open else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted, let async { uv_async_send(async) }
        return accepted
    }

    @discardableResult
    func push(closure: @escaping @Sendable () -> Void) -> Bool {
        let accepted = pending.withLock { state -> Bool in
            guard state.open else { return false }
            state.closures.append(closure)
            return true
        }
        if accepted, let async { uv_async_send(async) }
        return accepted
    }

    private func drain(_ loop: EventLoop) {
        let (jobs, closures) = pending.withLock { state in
            defer { state.jobs.removeAll(); state.closures.removeAll() }
            return (state.jobs, state.closures)
        }
        for job in jobs { loop.enqueueLocal(job) }
        for closure in closures { closure() }
    }
}
