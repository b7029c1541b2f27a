import CLibUV

/// The object a ``TimerHandle`` calls. Loop thread only.
public protocol TimerTarget: AnyObject {
    func timerFired()
}

/// A bare `uv_timer_t` that calls its target directly: no Swift object and no closure of its
/// own, so a connection's timer costs one 152-byte handle. The target is not retained (the owner
/// must ``close()`` the handle before it goes away). Copyable for storage in a class; close once.
public struct TimerHandle {
    private let handle: UnsafeMutablePointer<uv_timer_t>

    public init(loop: EventLoop, target: some TimerTarget) {
        handle = Handle.allocate(uv_timer_t.self)
        uv_timer_init(loop.raw, handle)
        // Unretained; cast back to the protocol only when the timer fires (rare: a timeout).
        handle.pointee.data = Unmanaged.passUnretained(target as AnyObject).toOpaque()
    }

    /// Starts or restarts: the target's `timerFired()` runs once after `milliseconds`.
    public func start(after milliseconds: UInt64) {
        uv_timer_start(
            handle,
            { handle in
                guard let data = handle?.pointee.data else { return }
                (Unmanaged<AnyObject>.fromOpaque(data).takeUnretainedValue() as? any TimerTarget)?.timerFired()
            }, milliseconds, 0)
    }

    public func stop() {
        uv_timer_stop(handle)
    }

    /// Stops and frees the handle (in libuv's close callback). Call exactly once.
    public func close() {
        uv_timer_stop(handle)
        handle.pointee.data = nil  // not retained: nothing for the close callback to release
        Handle.close(handle)
    }
}
