import CLibUV
import Synchronization
import Testing

@testable import UVLoop

@Suite struct LoopExecutorTests {
    @Test func taskRunsOnLoopThreadAndResumesThere() async throws {
        let thread = try LoopThread()
        let loop = thread.loop
        let result = await Task(executorPreference: loop.executor) { () -> [Bool] in
            var onLoop = [loop.isInLoopThread]
            await loop.sleep(milliseconds: 5)
            onLoop.append(loop.isInLoopThread)
            // A continuation resumed from another thread comes back to the loop.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                var t = pthread_t()
                let box = Unmanaged.passRetained(ContinuationBox(continuation)).toOpaque()
                pthread_create(
                    &t, nil,
                    { ctx in
                        Unmanaged<ContinuationBox>.fromOpaque(ctx!).takeRetainedValue().continuation.resume()
                        return nil
                    }, box)
                pthread_detach(t)
            }
            onLoop.append(loop.isInLoopThread)
            return onLoop
        }.value
        #expect(result == [true, true, true])
        #expect(thread.stopAndJoin() == 0)
    }

    @Test func executeFromOtherThreadsRunsOnLoopInOrder() async throws {
        let thread = try LoopThread()
        let loop = thread.loop
        let seen = Mutex<[Int]>([])
        let onLoop = Atomic<Int>(0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for i in 0..<100 {
                loop.execute {
                    if loop.isInLoopThread { onLoop.add(1, ordering: .relaxed) }
                    seen.withLock { $0.append(i) }
                    if i == 99 { done.resume() }
                }
            }
        }
        #expect(seen.withLock { $0 } == Array(0..<100))
        #expect(onLoop.load(ordering: .relaxed) == 100)
        #expect(thread.stopAndJoin() == 0)
    }

    @Test func manyTasksAllComplete() async throws {
        let thread = try LoopThread()
        let loop = thread.loop
        let total = await Task(executorPreference: loop.executor) { () -> Int in
            await withTaskGroup(of: Int.self) { group in
                for i in 0..<1000 {
                    group.addTask {
                        await loop.sleep(milliseconds: 1); return i
                    }
                }
                return await group.reduce(0, +)
            }
        }.value
        #expect(total == 499_500)
        #expect(thread.stopAndJoin() == 0)
    }
}

final class ContinuationBox: @unchecked Sendable {
    let continuation: CheckedContinuation<Void, Never>
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
}
