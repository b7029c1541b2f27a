public import UVLoop

/// What the code that started a server can do with it once it listens: learn the address, stop
/// it, and hear when the request limit is reached. Loop thread only (``Server/run(_:onStarted:)``
/// calls `onStarted` there).
public final class ServerControl {
    unowned let core: ServerCore
    /// The bound address.
    public let address: SocketAddress

    init(core: ServerCore, address: SocketAddress) {
        self.core = core
        self.address = address
    }

    /// The loop serving requests.
    public var loop: EventLoop { core.loop }

    /// Requests answered so far.
    public var requestsServed: Int { core.requestsServed }

    /// Graceful stop, as on SIGTERM.
    public func shutdown() {
        core.shutdown { [core] in core.loop.stop() }
    }

    /// Called once when `limitMaxRequests` is reached, instead of the default graceful stop.
    public func onRequestLimit(_ action: @escaping () -> Void) {
        core.requestLimitAction = action
    }
}
