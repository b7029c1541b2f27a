import Dispatch
import Testing

@testable import ASGIKit

/// The blocking pool's queue is bounded: past it work is refused at once (503 through a router),
/// so a flood of slow requests cannot grow memory without end.
@Suite struct BlockingQueueLimitTests {
    @Test func fullQueueRefusesAtOnce() async throws {
        let pool = BlockingPool(threads: 1, maxQueued: 2)
        let gate = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run { gate.wait() } }  // holds the only thread
            while pool.threadCount == 0 { await Task.yield() }
            try await Task.sleep(for: .milliseconds(20))
            for _ in 0..<2 { group.addTask { try await pool.run {} } }  // queued
            try await Task.sleep(for: .milliseconds(50))
            await #expect(throws: BlockingPoolFull.self) { try await pool.run {} }
            gate.signal()
            try await group.waitForAll()
        }
        // Room again once the queue drained.
        #expect(try await pool.run { 7 } == 7)
    }

    @Test func zeroQueueMeansOnlyFreeThreads() async throws {
        let pool = BlockingPool(threads: 1, maxQueued: 0)
        let gate = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pool.run { gate.wait() } }
            while pool.threadCount == 0 { await Task.yield() }
            try await Task.sleep(for: .milliseconds(20))
            await #expect(throws: BlockingPoolFull.self) { try await pool.run {} }
            gate.signal()
            try await group.waitForAll()
        }
    }

    @Test func routerAnswers503WhenTheQueueIsFull() async throws {
        var configuration = RouterConfiguration()
        configuration.blockingThreads = 1
        configuration.blockingQueue = 1
        let router = Router(configuration: configuration)
        let release = DispatchSemaphore(value: 0)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        router.blocking.get("/slow") { _ in
            startedContinuation.yield()
            release.wait()
            return .text("done")
        }
        let app = router.application
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { try await call(app, "GET", "/slow").status ?? 0 }  // runs
            var iterator = started.makeAsyncIterator()
            await iterator.next()
            group.addTask { try await call(app, "GET", "/slow").status ?? 0 }  // waits in the queue
            try await Task.sleep(for: .milliseconds(50))
            let refused = try await call(app, "GET", "/slow")
            #expect(refused.status == 503)
            #expect(refused.text.contains("blocking"))
            release.signal()
            release.signal()
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            #expect(statuses == [200, 200])
        }
    }
}
