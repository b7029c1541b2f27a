import Dispatch
import Glibc
import Synchronization
import Testing

@testable import ASGIKit

@Suite struct BlockingPoolTests {
    @Test func runsWorkOffTheCallerAndReturnsItsResult() async throws {
        let pool = BlockingPool(threads: 2)
        let value = try await pool.run { 6 * 7 }
        #expect(value == 42)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await pool.run { throw Failure() } }
    }

    @Test func overflowQueuesInOrder() async throws {
        let pool = BlockingPool(threads: 1)
        let order = Locked<[Int]>([])
        let gate = DispatchSemaphore(value: 0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The first job holds the only thread until the others are queued.
            group.addTask {
                try await pool.run {
                    gate.wait(); order.withLock { $0.append(0) }
                }
            }
            while pool.threadCount == 0 { await Task.yield() }
            for i in 1...5 {
                group.addTask { try await pool.run { order.withLock { $0.append(i) } } }
            }
            try await Task.sleep(for: .milliseconds(50))  // let the five submissions land (order is not asserted among them)
            gate.signal()
            try await group.waitForAll()
        }
        #expect(order.withLock { $0 }.first == 0)
        #expect(order.withLock { $0 }.count == 6)
        #expect(pool.threadCount == 1)
    }

    @Test func neverMoreThreadsThanConfigured() async throws {
        let pool = BlockingPool(threads: 3)
        let counts = Locked((running: 0, peak: 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await pool.run {
                        counts.withLock {
                            $0.running += 1; $0.peak = max($0.peak, $0.running)
                        }
                        usleep(5_000)
                        counts.withLock { $0.running -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(counts.value.peak <= 3)
        #expect(pool.threadCount == 3)
    }

    /// `GET /` completes while four blocking handlers hold all four pool threads: ordering, not timing.
    @Test func rootCompletesBeforeAnyOfFourBlockingCalls() async throws {
        var configuration = RouterConfiguration()
        configuration.blockingThreads = 4
        let router = Router(configuration: configuration)
        let release = DispatchSemaphore(value: 0)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        router.get("/") { _ in .text("Hello, ASGI!") }
        router.blocking.get("/blocking") { _ in
            startedContinuation.yield()
            release.wait()
            return .text("done")
        }
        let app = router.application
        let finished = Locked<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let result = try await call(app, "GET", "/blocking")
                    finished.withLock { $0.append(result.text) }
                }
            }
            var iterator = started.makeAsyncIterator()
            for _ in 0..<4 { await iterator.next() }  // all four threads are now blocked
            let root = try await call(app, "GET", "/")
            finished.withLock { $0.append(root.text) }
            for _ in 0..<4 { release.signal() }
            try await group.waitForAll()
        }
        #expect(finished.withLock { $0 } == ["Hello, ASGI!", "done", "done", "done", "done"])
    }

    @Test func nonAwaitingClosuresStayOnTheLoop() {
        let router = Router()
        router.get("/") { _ in .text("sync closure") }  // must not be taken for a blocking handler
        #expect(router.frozen().blockingPool == nil)
        let blocking = Router()
        blocking.blocking.get("/") { _ in .text("pool") }
        #expect(blocking.frozen().blockingPool != nil)
    }

    @Test func blockingHandlersGetTheCollectedBody() async throws {
        let router = Router()
        struct Item: Decodable { let name: String }
        router.blocking.post("/items") { request in
            let item = try request.bufferedJSON(as: Item.self)
            return .text("\(request.bufferedBody?.count ?? -1) \(item.name)")
        }
        let result = try await call(router.application, "POST", "/items", body: [bytes(#"{"name":"#), bytes(#""pen"}"#)])
        #expect(result.text == "14 pen")
    }
}
