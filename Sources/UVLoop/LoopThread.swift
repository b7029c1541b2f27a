import CLibUV
import Synchronization

/// An ``EventLoop`` running on a thread of its own (tests, embedding a server beside other code).
///
/// ```swift
/// let thread = try LoopThread()
/// thread.loop.execute { /* on the loop thread */ }
/// let leaks = thread.stopAndJoin()   // uv_loop_close result, 0 when nothing leaked
/// ```
public final class LoopThread: @unchecked Sendable {
    // Safety: `loop` is immutable and itself thread-safe where it must be; `thread` and
    // `closeResult` are written once (start / the loop thread before exit) and read after join.
    public let loop: EventLoop
    private var thread: pthread_t?
    private let closeResult = Atomic<Int32>(Int32.min)

    public init(name: String = "uv-loop") throws(UVError) {
        loop = try EventLoop()
        let started = Atomic<Bool>(false)
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                let me = Unmanaged<LoopThread>.fromOpaque(context!).takeRetainedValue()
                me.loop.run()
                me.closeResult.store(me.loop.close(), ordering: .sequentiallyConsistent)
                return nil
            }, box)
        precondition(result == 0, "pthread_create failed: \(result)")
        self.thread = thread
        _ = started
        // Wait until the loop thread registered itself, so isInLoopThread is meaningful.
        while !loop.hasThread { sched_yield() }
    }

    /// Without ``stopAndJoin()`` the thread is detached: this object goes away only when the
    /// thread has ended (the thread holds it), after someone else stopped the loop.
    deinit {
        if let thread { pthread_detach(thread) }
    }

    /// Stops the loop, waits for its thread, and returns `uv_loop_close`'s result.
    @discardableResult
    public func stopAndJoin() -> Int32 {
        guard let thread else { return closeResult.load(ordering: .sequentiallyConsistent) }
        self.thread = nil
        loop.stop()
        pthread_join(thread, nil)
        return closeResult.load(ordering: .sequentiallyConsistent)
    }
}
