import CLibUV

extension EventLoop {
    /// Suspends the calling task for `milliseconds` on a loop timer, without blocking the loop
    /// (unlike `Task.sleep`, which wakes through the global executor). Call it from a task whose
    /// executor is this loop.
    public func sleep(milliseconds: UInt64) async {
        precondition(isInLoopThread, "EventLoop.sleep must be called on the loop thread")
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let timer = LoopTimer(loop: self)
            timer.start(after: milliseconds) {
                timer.close()
                continuation.resume()
            }
        }
    }
}
