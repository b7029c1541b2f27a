package import CLibUV
import Synchronization

/// A libuv loop owned by one thread, with a Swift task executor on it.
///
/// Everything that touches the loop runs on its thread: I/O callbacks, timers, and every task
/// started with ``executor`` as its preference (their continuations resume there too). The only
/// ways in from other threads are ``execute(_:)``, ``stop()`` and the executor's `enqueue`, all
/// carried by one `uv_async_t` wake-up.
///
/// ```swift
/// let loop = try EventLoop()
/// Task(executorPreference: loop.executor) { /* runs on the loop thread */ }
/// loop.run()   // blocks this thread until stop()
/// ```
public final class EventLoop: @unchecked Sendable {
    // Safety: the stored state below is touched only on the loop thread (asserted in debug builds
    // in `enqueueLocal`, `flushAtEndOfTurn`, `endOfTurn` and `close`, the ways in to that state),
    // except `wakeup` (its own lock), `thread` (written by the thread that starts running the loop,
    // or closes one that never ran, before anything else), and `raw` (an immutable pointer).

    /// The libuv loop. Exposed for the C adapters of this package (hiredis) and tests.
    package let raw: UnsafeMutablePointer<uv_loop_t>
    /// The executor that runs tasks on this loop's thread.
    @exclusivity(unchecked) public private(set) var executor: LoopExecutor!

    let wakeup: WakeupQueue
    @exclusivity(unchecked) var localJobs: JobQueue
    var thread: pthread_t? {
        didSet {
            if let thread { executor.bind(to: thread) }
            hasThreadFlag.store(thread != nil, ordering: .releasing)
        }
    }
    private let hasThreadFlag = Atomic<Bool>(false)
    /// Whether a thread has started running this loop.
    var hasThread: Bool { hasThreadFlag.load(ordering: .acquiring) }
    @exclusivity(unchecked) private var prepare: UnsafeMutablePointer<uv_prepare_t>!
    @exclusivity(unchecked) private var check: UnsafeMutablePointer<uv_check_t>!
    @exclusivity(unchecked) private var idle: UnsafeMutablePointer<uv_idle_t>!
    @exclusivity(unchecked) private var idleActive = false
    @exclusivity(unchecked) private var draining = false
    @exclusivity(unchecked) private var flushList: [any EndOfTurnFlushing] = []
    /// The other half of a double buffer, so a flush round allocates nothing.
    @exclusivity(unchecked) private var spareFlushList: [any EndOfTurnFlushing] = []
    /// Jobs run per drain before the loop is allowed to poll I/O again.
    let drainBudget = 4096
    /// Loop-wide read buffers: an idle connection holds none.
    public let readBuffers = ReadBufferPool(bufferSize: 64 * 1024)
    @exclusivity(unchecked) var closed = false

    public init() throws(UVError) {
        _ = Self.brokenPipeIgnored
        raw = Handle.allocate(uv_loop_t.self)
        try uvCheck(uv_loop_init(raw))
        wakeup = WakeupQueue()
        localJobs = JobQueue()
        executor = LoopExecutor(loop: self, wakeup: wakeup)
        raw.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        try wakeup.attach(to: self)
        prepare = Handle.allocate(uv_prepare_t.self)
        check = Handle.allocate(uv_check_t.self)
        idle = Handle.allocate(uv_idle_t.self)
        uv_prepare_init(raw, prepare)
        uv_check_init(raw, check)
        uv_idle_init(raw, idle)
        uv_prepare_start(prepare) { handle in EventLoop.from(handle?.pointee.loop).endOfTurn() }
        uv_check_start(check) { handle in EventLoop.from(handle?.pointee.loop).endOfTurn() }
        // The drain handles alone must not keep the loop alive.
        uv_unref(Handle.base(prepare))
        uv_unref(Handle.base(check))
    }

    /// libuv writes sockets with write(2)/writev(2): a peer that reset its connection would raise
    /// SIGPIPE, whose default action kills the process. Ignored once, process-wide, as every
    /// server does; the write then fails with EPIPE and the connection closes.
    private static let brokenPipeIgnored: Void = {
        // SIG_IGN is `(__sighandler_t) 1`, a macro Swift does not import.
        _ = signal(SIGPIPE, unsafeBitCast(Int(1), to: __sighandler_t.self))
    }()

    @inline(__always)
    static func from(_ loop: UnsafeMutablePointer<uv_loop_t>?) -> EventLoop {
        Unmanaged<EventLoop>.fromOpaque(loop!.pointee.data).takeUnretainedValue()
    }

    /// True when called on the thread running this loop.
    public var isInLoopThread: Bool {
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// The loop running on the current thread, if any.
    public static var current: EventLoop? { CurrentLoop.get() }

    /// Runs the loop on the calling thread until ``stop()`` is called or nothing keeps it alive.
    public func run() {
        thread = pthread_self()
        CurrentLoop.set(self)
        defer { CurrentLoop.set(nil) }
        endOfTurn()
        uv_run(raw, UV_RUN_DEFAULT)
        endOfTurn()
    }

    /// Runs the loop on the calling thread until `condition` holds or `milliseconds` of real time
    /// passed, and returns whether it held — for driving loop-confined code in-process (tests of
    /// a connection fed from memory), with no thread of the loop's own. Not while another thread
    /// runs the loop; successive calls may come from different threads.
    @discardableResult
    public func run(forAtMost milliseconds: UInt64, until condition: () -> Bool) -> Bool {
        thread = pthread_self()
        CurrentLoop.set(self)
        defer { CurrentLoop.set(nil) }
        uv_update_time(raw)
        let deadline = uv_now(raw) &+ milliseconds
        // Bounds each blocking uv_run to the deadline, whatever other timers are armed.
        let guardTimer = Handle.allocate(uv_timer_t.self)
        uv_timer_init(raw, guardTimer)
        defer { Handle.close(guardTimer) }
        while true {
            endOfTurn()
            if condition() { return true }
            let now = uv_now(raw)
            guard now < deadline else { return false }
            uv_timer_start(guardTimer, { _ in }, min(deadline &- now, 10), 0)
            uv_run(raw, UV_RUN_ONCE)
        }
    }

    /// Makes ``run()`` return. Thread-safe.
    public func stop() {
        execute { [self] in uv_stop(raw) }
    }

    // MARK: - Local jobs and end-of-turn work

    /// Called by the executor for a job enqueued on the loop thread.
    @inline(__always)
    func enqueueLocal(_ job: UnownedJob) {
        assert(isInLoopThread, "EventLoop.enqueueLocal off the loop thread")
        localJobs.push(job)
        if !draining && !idleActive {
            // Do not block in poll while jobs wait (they may come from a phase after check).
            idleActive = true
            uv_idle_start(idle) { handle in EventLoop.from(handle?.pointee.loop).endOfTurn() }
        }
    }

    /// Registers an object whose `flushAtEndOfTurn()` runs once after this turn's jobs: the
    /// write-coalescing point of connections and the Redis client.
    @inline(__always)
    public func flushAtEndOfTurn(_ object: any EndOfTurnFlushing) {
        assert(isInLoopThread, "EventLoop.flushAtEndOfTurn off the loop thread")
        flushList.append(object)
    }

    /// Drains local jobs (bounded) and then runs the end-of-turn flushes.
    func endOfTurn() {
        assert(isInLoopThread, "EventLoop.endOfTurn off the loop thread")
        guard !draining else { return }
        draining = true
        var budget = drainBudget
        repeat {
            while budget > 0, let job = localJobs.pop() {
                job.runSynchronously(on: executor.asUnownedTaskExecutor())
                budget -= 1
            }
            if !flushList.isEmpty {
                var list = spareFlushList
                spareFlushList = []
                swap(&list, &flushList)
                for object in list { object.flushAtEndOfTurn() }
                list.removeAll(keepingCapacity: true)
                spareFlushList = list
            }
        } while budget > 0 && (!localJobs.isEmpty || !flushList.isEmpty)
        draining = false
        let pending = !localJobs.isEmpty || !flushList.isEmpty
        if pending != idleActive {
            idleActive = pending
            if pending {
                uv_idle_start(idle) { handle in EventLoop.from(handle?.pointee.loop).endOfTurn() }
            } else {
                uv_idle_stop(idle)
            }
        }
    }

    // MARK: - Closing

    /// Closes the loop's own handles, lets pending close callbacks run, and closes the loop. Returns `uv_loop_close`'s result: 0 when nothing leaked.
    @discardableResult
    public func close() -> Int32 {
        precondition(!closed, "EventLoop closed twice")
        if thread == nil { thread = pthread_self() }
        assert(isInLoopThread, "EventLoop.close off the thread that ran the loop")
        CurrentLoop.set(self)
        defer { CurrentLoop.set(nil) }
        endOfTurn()
        Handle.close(prepare)
        Handle.close(check)
        Handle.close(idle)
        executor.loopDidClose()
        wakeup.detach()
        // Let pending close callbacks run. Handles someone forgot stay open: uv_loop_close then
        // reports UV_EBUSY, which is exactly the leak check tests want.
        for _ in 0..<16 where uv_loop_alive(raw) != 0 { uv_run(raw, UV_RUN_NOWAIT) }
        uv_run(raw, UV_RUN_NOWAIT)
        let result = uv_loop_close(raw)
        if result == 0 { raw.deallocate() }
        closed = true
        return result
    }
}

/// An object that wants one call after the loop ran this turn's jobs (write coalescing).
public protocol EndOfTurnFlushing: AnyObject {
    func flushAtEndOfTurn()
}

extension EventLoop {
    /// The loop's cached monotonic time in milliseconds (`uv_now`).
    public var now: UInt64 { uv_now(raw) }

}
