import CLibUV
import Synchronization

/// The only door into the loop from other threads: a locked queue of jobs and closures, drained
/// by one `uv_async_t` callback on the loop thread (`uv_async_send` calls coalesce).
final class WakeupQueue: @unchecked Sendable {
    // Safety: everything is in `pending`, guarded by its Mutex. `uv_async_send` (thread-safe) is
    // called with the lock held, and `detach` clears the handle under the same lock before it
    // closes it: no thread can signal a handle that is being closed or freed.
    private struct Pending {
        var jobs: [UnownedJob] = []
        var closures: [@Sendable () -> Void] = []
        var async: AsyncHandle?
    }
    /// The `uv_async_t`, movable into the lock.
    private struct AsyncHandle: @unchecked Sendable {
        // Safety: other threads only pass it to uv_async_send (libuv's one thread-safe call), and
        // only under the lock, while it is set (before `detach` clears it and closes the handle).
        let pointer: UnsafeMutablePointer<uv_async_t>
    }
    private let pending = Mutex(Pending())

    func attach(to loop: EventLoop) throws(UVError) {
        let handle = Handle.allocate(uv_async_t.self)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        try uvCheck(
            uv_async_init(loop.raw, handle) { handle in
                let queue = Handle.owner(Handle.base(handle!), as: WakeupQueue.self)!
                queue.drain(EventLoop.from(handle?.pointee.loop))
            })
        let attached = AsyncHandle(pointer: handle)
        pending.withLock { $0.async = attached }
    }

    /// Closes the handle; later pushes are refused (their jobs are dropped). Loop thread.
    func detach() {
        let handle = pending.withLock { state in
            defer { state.async = nil }
            return state.async
        }
        if let handle { Handle.close(handle.pointer) }
    }

    /// Queues a job from any thread. Returns false if the loop is closed.
    @discardableResult
    func push(job: UnownedJob) -> Bool {
        pending.withLock { state -> Bool in
            guard let async = state.async else { return false }
            state.jobs.append(job)
            uv_async_send(async.pointer)
            return true
        }
    }

    @discardableResult
    func push(closure: @escaping @Sendable () -> Void) -> Bool {
        pending.withLock { state -> Bool in
            guard let async = state.async else { return false }
            state.closures.append(closure)
            uv_async_send(async.pointer)
            return true
        }
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
