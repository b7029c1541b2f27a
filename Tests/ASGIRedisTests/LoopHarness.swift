import ASGIRedis
import Glibc
import Testing
import UVLoop

/// Runs `body` as a task on a fresh loop thread, then stops the loop and checks that it closed
/// with 0 (every handle and hiredis context of the test was released).
func onLoop<T: Sendable>(
    _ body: @escaping @Sendable (EventLoop) async throws -> T,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> T {
    let thread = try LoopThread()
    let loop = thread.loop
    let result = await Task(executorPreference: loop.executor) { () async -> Result<T, any Error> in
        do { return .success(try await body(loop)) } catch { return .failure(error) }
    }.value
    #expect(thread.stopAndJoin() == 0, "uv_loop_close must return 0", sourceLocation: sourceLocation)
    return try result.get()
}

/// A connected client for `port` with test-friendly timeouts.
func makeClient(
    url: String, loop: EventLoop, commandTimeout: UInt64 = 1000, connectTimeout: UInt64 = 1000
) throws -> RedisClient {
    var configuration = try RedisConfiguration(url: url)
    configuration.commandTimeoutMilliseconds = commandTimeout
    configuration.connectTimeoutMilliseconds = connectTimeout
    configuration.maxBackoffMilliseconds = 200
    return RedisClient(configuration: configuration, loop: loop)
}

/// Time bounds are multiplied by `SWIFTASGI_TIME_SCALE` (scripts/sanitize.sh sets it: sanitized
/// builds run several times slower).
let testTimeScale = getenv("SWIFTASGI_TIME_SCALE").flatMap { Int(String(cString: $0)) } ?? 1

/// Monotonic milliseconds, for bounding tests.
func milliseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
