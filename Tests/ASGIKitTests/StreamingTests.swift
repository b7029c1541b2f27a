import ASGI
import Synchronization
import Testing

@testable import ASGIKit

/// A one-shot signal an async task can wait for.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// Yields `first`, waits for `gate`, then yields `last`: a response that buffered the whole stream
/// before sending would never finish.
struct GatedChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let gate: Gate

    struct Iterator: AsyncIteratorProtocol {
        let gate: Gate
        var step = 0
        mutating func next() async -> [UInt8]? {
            step += 1
            switch step {
            case 1: return Array("first\n".utf8)
            case 2:
                await gate.wait()
                return Array("last\n".utf8)
            default: return nil
            }
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(gate: gate) }
}

@Suite struct StreamingTests {
    @Test func firstChunkIsSentBeforeTheLastIsProduced() async throws {
        let gate = Gate()
        let router = Router()
        router.get("/stream") { _ in .stream(GatedChunks(gate: gate), contentType: "text/plain") }
        let result = try await call(router.application, "GET", "/stream") { event in
            // Only once the first chunk went out may the sequence produce the last one.
            if case .responseBody(let chunk, true) = event, chunk == Array("first\n".utf8) { gate.open() }
        }
        #expect(result.status == 200)
        #expect(result.messages.map(\.moreBody) == [true, true, false])
        #expect(result.text == "first\nlast\n")
    }

    @Test func emptyChunksAreSkipped() async throws {
        let router = Router()
        router.get("/s") { _ in
            .stream(
                AsyncStream<[UInt8]> { continuation in
                    for chunk in [[], bytes("a"), [], bytes("b")] { continuation.yield(chunk) }
                    continuation.finish()
                })
        }
        let result = try await call(router.application, "GET", "/s")
        #expect(result.messages.map(\.bytes) == [bytes("a"), bytes("b"), []])
    }
}
