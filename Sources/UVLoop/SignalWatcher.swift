import CLibUV
import Glibc

/// Watches a Unix signal on the loop (`uv_signal_t`): the callback runs on the loop thread.
public final class SignalWatcher {
    private var handle: UnsafeMutablePointer<uv_signal_t>?
    private let callback: (Int32) -> Void

    public init(loop: EventLoop, signal: Int32, _ callback: @escaping (Int32) -> Void) throws(UVError) {
        self.callback = callback
        let handle = Handle.allocate(uv_signal_t.self)
        uv_signal_init(loop.raw, handle)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        let result = uv_signal_start(
            handle,
            { handle, signum in
                Handle.owner(Handle.base(handle!), as: SignalWatcher.self)?.callback(signum)
            }, signal)
        if result < 0 {
            Handle.close(handle)
            throw UVError(result)
        }
        // A signal watcher alone does not keep the loop running.
        uv_unref(Handle.base(handle))
        self.handle = handle
    }

    public func close() {
        guard let handle else { return }
        self.handle = nil
        Handle.close(handle)
    }
}

extension SignalWatcher {
    /// Unblocks `signals` for this thread (and threads it creates). A process started by a
    /// runtime that blocks signals in its threads (Dispatch, some test runners) inherits that
    /// mask, and libuv can then never see SIGTERM or SIGCHLD.
    public static func unblock(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
