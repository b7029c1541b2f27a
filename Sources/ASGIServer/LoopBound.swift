/// Carries a loop-confined value (usually a closure) into a task that runs on the same loop.
struct LoopBound<Value>: @unchecked Sendable {
    // Safety: only created and unwrapped on one loop's thread; the tasks it crosses into use that
    // loop's executor, so the value never leaves the thread.
    let value: Value
    init(_ value: Value) { self.value = value }
}
