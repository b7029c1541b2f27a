public import Logging

/// Settings of a ``Router``; every field has a default.
///
/// ```swift
/// var configuration = RouterConfiguration()
/// configuration.maxBodyBytes = 8 << 20
/// configuration.blockingThreads = 8
/// let router = Router(configuration: configuration)
/// ```
public struct RouterConfiguration: Sendable {
    /// The limit of ``Request/body(maxBytes:)`` when the handler passes none (413 past it). 1 MiB.
    public var maxBodyBytes: Int = 1 << 20
    /// Threads of the pool that runs `router.blocking` handlers (started on first use). Requests beyond
    /// that wait in a FIFO queue; the loop never waits for them.
    public var blockingThreads: Int = 4
    /// Blocking requests allowed to wait for a pool thread; past it they are answered 503 at once
    /// (nil: no bound).
    public var blockingQueue: Int? = 1024
    /// Where unhandled handler errors (answered 500) are logged.
    public var logger: Logger = Logger(label: "ASGIKit.Router")

    public init() {}
}
