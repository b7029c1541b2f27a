import CLibUV

/// A `uv_timer_t` owned by Swift. Loop thread only.
///
/// ```swift
/// let timer = LoopTimer(loop: loop)
/// timer.start(after: 5_000) { print("five seconds") }
/// timer.close()   // frees the handle in libuv's close callback
/// ```
public final class LoopTimer {
    @exclusivity(unchecked) private var handle: UnsafeMutablePointer<uv_timer_t>?
    @exclusivity(unchecked) private var callback: (() -> Void)?

    public init(loop: EventLoop) {
        let handle = Handle.allocate(uv_timer_t.self)
        uv_timer_init(loop.raw, handle)
        self.handle = handle
    }

    /// Starts (or restarts) the timer: `callback` runs after `milliseconds`, then every `repeat`
    /// milliseconds if non-zero.
    public func start(after milliseconds: UInt64, repeat: UInt64 = 0, _ callback: @escaping () -> Void) {
        guard let handle else { return }
        self.callback = callback
        if handle.pointee.data == nil {
            // The handle holds its owner while it may fire; released in the close callback.
            handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        }
        uv_timer_start(
            handle,
            { handle in
                Handle.owner(Handle.base(handle!), as: LoopTimer.self)?.fire()
            }, milliseconds, `repeat`)
    }

    /// Restarts with the same callback (cheaper than `start` for a deadline that moves).
    public func restart(after milliseconds: UInt64) {
        guard let handle, callback != nil else { return }
        uv_timer_start(
            handle,
            { handle in
                Handle.owner(Handle.base(handle!), as: LoopTimer.self)?.fire()
            }, milliseconds, 0)
    }

    public func stop() {
        guard let handle else { return }
        uv_timer_stop(handle)
    }

    /// Whether the timer is counting down.
    public var isActive: Bool {
        guard let handle else { return false }
        return uv_is_active(Handle.base(handle)) != 0
    }

    /// Lets the loop exit even while this timer is active.
    public func unref() {
        guard let handle else { return }
        uv_unref(Handle.base(handle))
    }

    /// Stops the timer and frees its handle. The callback never runs after this.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        callback = nil
        if handle.pointee.data == nil {
            // Never started: nothing retains us; close without an owner.
            Handle.close(handle)
        } else {
            uv_timer_stop(handle)
            Handle.close(handle)
        }
    }

    private func fire() {
        callback?()
    }

    deinit {
        if let handle { Handle.close(handle) }
    }
}
