public import Logging
public import ServiceLifecycle
public import UVLoop

/// The client as a swift-service-lifecycle `Service`: ``run()`` connects, keeps the client until
/// the service group's graceful shutdown, then closes it. List it before the server that uses it
/// (a group shuts its services down in reverse order), so requests in flight still reach Redis.
///
/// ```swift
/// let thread = try LoopThread(name: "app")
/// let redis = await RedisClient.make(configuration: try RedisConfiguration(url: url), loop: thread.loop)
/// let server = Server(config: config, app: app, loop: thread.loop)   // the same loop
/// try await ServiceGroup(services: [redis, server], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// thread.stopAndJoin()
/// ```
extension RedisClient: Service {
    /// Creates a client on `loop` from any thread or task (``init(configuration:loop:logger:resolver:)``
    /// must run on the loop thread): for building services before a group runs them.
    @concurrent
    public static func make(
        configuration: RedisConfiguration, loop: EventLoop, logger: Logger = Logger(label: "redis"),
        resolver: RedisHostResolver = .system
    ) async -> RedisClient {
        await withTaskExecutorPreference(loop.executor) {
            RedisClient(configuration: configuration, loop: loop, logger: logger, resolver: resolver)
        }
    }

    /// Connects (an unreachable Redis is retried in the background, as after ``connect()``), then
    /// waits for the service group's graceful shutdown or the task's cancellation. Then commands
    /// in flight get their replies (each is bounded by
    /// ``RedisConfiguration/commandTimeoutMilliseconds``), and the client closes: later commands
    /// fail with ``RedisError/isUnavailable`` true. Runs on the client's loop whatever the caller.
    @concurrent
    public func run() async throws {
        await withTaskExecutorPreference(loop.executor) {
            await connect()
            try? await gracefulShutdown()
            await drain()
            await close()
            logger.info("redis client closed", metadata: ["redis": "\(configuration)"])
        }
    }

    /// Waits until no command sent with a deadline awaits its reply; the timeout timer fails
    /// those whose deadline passes, so this ends within the command timeout.
    private func drain() async {
        let limit = now + configuration.commandTimeoutMilliseconds + 100
        while true {
            deadlines.dropCompletedHead()
            guard !deadlines.isEmpty, state != .closed, now < limit else { return }
            await loop.sleep(milliseconds: 5)
        }
    }
}
