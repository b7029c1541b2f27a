import ASGI
import Glibc
import Testing

@testable import HTTP1

/// An idle parser holds no scratch: sets are taken from the thread's pool for a head (or trailer
/// section) and given back when it is complete, on failure and in deinit.
@Suite struct HeadScratchTests {
    static let request = bytes("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n")

    @Test func freshParserHoldsNoScratch() {
        #expect(!RequestParser().debugScratchHeld)
    }

    @Test func idleParserAfterRequestsHoldsNoScratch() throws {
        let harness = Harness()
        try harness.feed(Self.request + Self.request)
        #expect(harness.recorder.heads.count == 2)
        #expect(harness.parser.isIdle)
        #expect(!harness.parser.debugScratchHeld)
    }

    @Test func headSplitAcrossReadsKeepsItsSetUntilComplete() throws {
        let harness = Harness()
        try harness.feed(Array(Self.request[..<20]))
        #expect(harness.parser.debugScratchHeld)
        try harness.feed(Array(Self.request[20...]))
        #expect(harness.recorder.heads.first?.path == "/a")
        #expect(!harness.parser.debugScratchHeld)
    }

    @Test func bodyAndTrailersGiveTheSetBack() throws {
        let harness = Harness()
        let head = bytes("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        try harness.feed(head + bytes("4\r\nWiki\r\n"))
        #expect(!harness.parser.debugScratchHeld)  // reading the body
        try harness.feed(bytes("0\r\nx-checksum: 1"))
        #expect(harness.parser.debugScratchHeld)  // in the trailer section
        try harness.feed(bytes("\r\n\r\n"))
        #expect(harness.recorder.completed == 1)
        #expect(!harness.parser.debugScratchHeld)
    }

    @Test func failedParserGivesTheSetBack() {
        let harness = Harness()
        #expect(throws: HTTPParseError.self) { try harness.feed(bytes("GET / HTTP/1.1\r\nHost: t\r\nbad header\r\n\r\n")) }
        #expect(!harness.parser.debugScratchHeld)
        let split = Harness()
        #expect(throws: HTTPParseError.self) {
            try split.feed(bytes("GET / HTTP/1.1\r\nHost: x\r\n"))
            try split.feed(bytes(" folded\r\n\r\n"))
        }
        #expect(!split.parser.debugScratchHeld)
    }

    @Test func setsAreReusedAndThePoolIsCapped() throws {
        // Synchronous: the whole test runs on one thread, so it sees one pool.
        var harnesses = (0..<(HeadScratch.poolLimit + 4)).map { _ in Harness() }
        for harness in harnesses { try harness.feed(Array(Self.request[..<10])) }
        let before = HeadScratch.pooledCount
        #expect(before <= HeadScratch.poolLimit)
        harnesses.removeAll()  // deinit gives the held sets back
        #expect(HeadScratch.pooledCount == HeadScratch.poolLimit)
        let harness = Harness()
        try harness.feed(Self.request)
        #expect(HeadScratch.pooledCount == HeadScratch.poolLimit)
        #expect(!harness.parser.debugScratchHeld)
    }

    @Test func oversizedSetsAreNotPooled() throws {
        let harness = Harness()
        let path = "/" + String(repeating: "p", count: 6000)
        try harness.feed(bytes("GET \(path) HTTP/1.1\r\nHost: x\r\n"))
        let before = HeadScratch.pooledCount
        try harness.feed(bytes("\r\n"))
        #expect(harness.recorder.heads.first?.path == path)
        #expect(HeadScratch.pooledCount == before)
    }

    @Test func setHeldAcrossThreadExitIsGivenToTheCurrentThread() throws {
        let recorder = Recorder()
        var parser: RequestParser?
        onNewThread {
            let onThread = RequestParser()
            onThread.delegate = recorder
            _ = try? Self.request.withUnsafeBytes { try onThread.feed($0) }
            _ = try? Self.request[..<10].withUnsafeBytes { try onThread.feed($0) }
            parser = onThread
        }
        // That thread has exited (its pool freed); the set it lent is still held and usable.
        let survivor = try #require(parser)
        #expect(survivor.debugScratchHeld)
        let result = try Self.request[10...].withUnsafeBytes { try survivor.feed($0) }
        #expect(result == .messageComplete(consumed: Self.request.count - 10))
        #expect(recorder.heads.map(\.path) == ["/a", "/a"])
        #expect(!survivor.debugScratchHeld)
        #expect(HeadScratch.pooledCount >= 1)
    }
}

/// Runs `body` on a new thread and returns after that thread has exited.
private func onNewThread(_ body: @escaping () -> Void) {
    final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box)
    precondition(rc == 0)
    pthread_join(thread, nil)
}
