import Glibc
import Testing
import UVLoop

@testable import ASGIServer

@Suite struct LimitsUnitTests {
    @Test func throttleLetsOneLineThroughPerIntervalWithACount() {
        var throttle = LogThrottle(interval: 1000)
        #expect(throttle.admit(now: 10) == 1)  // the first event is reported at once
        #expect(throttle.admit(now: 20) == nil)
        #expect(throttle.admit(now: 900) == nil)
        #expect(throttle.admit(now: 1010) == 3)  // two held back + this one
        #expect(throttle.admit(now: 1011) == nil)
        #expect(throttle.admit(now: 5000) == 2)
    }

    @Test func defaultConnectionCapLeavesADescriptorReserve() {
        #expect(FileLimit.defaultMaxConnections(openFileLimit: 1024) == 1024 - 256)
        #expect(FileLimit.defaultMaxConnections(openFileLimit: 1_048_576) == 1_048_576 - 256)
        #expect(FileLimit.defaultMaxConnections(openFileLimit: 64) == 48)
        #expect(FileLimit.defaultMaxConnections(openFileLimit: 1) == 1)
    }

    @Test func softOpenFileLimitIsRaisedToTheHardOne() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let soft = FileLimit.raiseToHard(logger: .init(label: "t"))
        var after = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &after)
        #expect(soft == Int(clamping: after.rlim_cur))
        #expect(after.rlim_cur == after.rlim_max || limit.rlim_max == rlim_t.max)
    }

    @Test func brokenPipeIsIgnoredOnceALoopExists() throws {
        let loop = try EventLoop()
        var action = sigaction()
        sigaction(SIGPIPE, nil, &action)
        #expect(unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self) == 1, "SIGPIPE must be SIG_IGN")
        #expect(loop.close() == 0)
    }
}
