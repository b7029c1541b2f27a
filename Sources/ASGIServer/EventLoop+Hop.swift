import UVLoop

extension EventLoop {
    /// Runs `body` on this loop's thread: directly when already there (the normal case for
    /// handlers), else under this loop's task-executor preference (an application that calls
    /// `receive`/`send` from a detached task).
    @inline(__always)
    func hop<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        if isInLoopThread { return try await body() }
        return try await withTaskExecutorPreference(executor, operation: body)
    }
}
