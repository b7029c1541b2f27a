extension EventLoop {
    /// Runs `work` on the loop thread: at once when already there, else through the wake-up
    /// queue. Thread-safe.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        if isInLoopThread {
            work()
        } else {
            wakeup.push(closure: work)
        }
    }
}
