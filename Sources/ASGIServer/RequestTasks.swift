import ASGI
import UVLoop

/// The tasks that call the application for HTTP requests on one loop, kept between requests.
///
/// A new task per request costs a heap allocation for the task and, as the application's async
/// frames outgrow the task's first slab, one more for each further slab of its stack (five for a
/// request through a router and a middleware). A task that is kept keeps its slabs, so a request
/// served by a waiting task allocates none of them. A task that finished a request takes the
/// next one that waits for a task, else waits itself, unless ``maxIdle`` tasks already wait: then
/// it ends. So the loop holds as many tasks as it ran requests at once, up to ``maxIdle``, and an
/// idle keep-alive connection holds none. Loop thread only.
final class RequestTasks: @unchecked Sendable {
    // Safety: created by ServerCore and used on its loop's thread only; the tasks it starts run on
    // that loop's executor, so every access below happens on that thread.

    /// One request for a task: the exchange behind `receive`/`send`, and its scope.
    struct Work {
        let exchange: Exchange
        let scope: Scope
    }

    /// Tasks that wait for a request at most. Each keeps a few KiB (its stack slabs).
    static let maxIdle = 64

    private let loop: EventLoop
    private let app: Application
    /// Requests handed over while no task waited, oldest first from `queuedStart`.
    @exclusivity(unchecked) private var queued: [Work?] = []
    @exclusivity(unchecked) private var queuedStart = 0
    /// Tasks waiting for a request.
    @exclusivity(unchecked) private var idle: [UnsafeContinuation<Work?, Never>] = []
    @exclusivity(unchecked) private var closed = false

    init(loop: EventLoop, app: @escaping Application) {
        self.loop = loop
        self.app = app
        idle.reserveCapacity(Self.maxIdle)
    }

    /// Runs the application for `exchange`: on a waiting task, else on a new one. Either way it
    /// starts when the loop next runs its jobs, as a new task would.
    func run(_ exchange: Exchange, scope: Scope) {
        let work = Work(exchange: exchange, scope: scope)
        if let waiter = idle.popLast() {
            waiter.resume(returning: work)
            return
        }
        queued.append(work)
        Task(executorPreference: loop.executor) { [self] in await serveUntilIdle() }
    }

    /// Ends the waiting tasks (the server stopped); requests still queued are served first.
    func close() {
        closed = true
        let waiters = idle
        idle = []
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    private func serveUntilIdle() async {
        // `work` goes out of scope before the next wait, so a waiting task holds no exchange.
        while let work = await next() {
            await serve(work)
        }
    }

    private func serve(_ work: Work) async {
        let exchange = work.exchange
        var failure: (any Error)?
        do {
            // Each closure captures only `exchange`, which Swift can use as the closure context
            // itself (no context allocation).
            try await app(work.scope, { try await exchange.receiveOnLoop() }, { event in try await exchange.sendOnLoop(event) })
            await afterClosureCall()
        } catch {
            failure = error
        }
        exchange.applicationFinished(error: failure)
    }

    /// The next request for this task, nil when it should end: the pool is full of waiting
    /// tasks, the server stopped, or the application cancelled the task it ran on.
    private func next() async -> Work? {
        if queuedStart < queued.count {
            let work = queued[queuedStart].take()
            queuedStart += 1
            if queuedStart == queued.count {
                queued.removeAll(keepingCapacity: queued.count <= Self.maxIdle)
                queuedStart = 0
            }
            return work
        }
        guard !closed, idle.count < Self.maxIdle, !Task.isCancelled else { return nil }
        return await withUnsafeContinuation { idle.append($0) }
    }
}
