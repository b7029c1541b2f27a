import UVLoop

extension EventLoop {
    /// Runs `body` on this loop's thread: directly when already there (the normal case for
    /// handlers), else under this loop's task-executor preference (an application that calls
    /// `receive`/`send` from a detached task).
    ///
    /// Taking the preference does not move the task by itself: with nonisolated(nonsending) code
    /// (this package's default) `body` would start on the caller's thread and race the loop. A
    /// task that suspends is resumed on its preferred executor, so it yields until it runs on
    /// the loop thread.
    @inline(__always)
    func hop<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        if isInLoopThread { return try await body() }
        return try await withTaskExecutorPreference(executor) { () async throws(E) -> T in
            while !isInLoopThread { await Task.yield() }
            return try await body()
        }
    }
}
