public import ASGI
import Logging
public import ServiceLifecycle
public import UVLoop

/// What a server made with ``Server/init(config:app:loop:onServerRunning:)`` runs.
struct ServiceSetup: Sendable {
    let app: Application
    let loop: EventLoop?
    let onServerRunning: (@Sendable (SocketAddress) async -> Void)?
}

/// The server as a swift-service-lifecycle `Service`: a `ServiceGroup` starts it, and its graceful
/// shutdown (SIGTERM, SIGINT, `triggerGracefulShutdown()`) stops it as SIGTERM stops ``run(_:onStarted:)``.
///
/// ```swift
/// let thread = try LoopThread(name: "app")
/// let redis = await RedisClient.make(configuration: try RedisConfiguration(url: url), loop: thread.loop)
/// let server = Server(config: config, app: router.application, loop: thread.loop)
/// // Shut down in reverse order: the server first (in-flight requests may still use Redis).
/// let group = ServiceGroup(services: [redis, server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// thread.stopAndJoin()
/// ```
extension Server: Service {
    /// A server that ``run()`` runs as a service.
    ///
    /// - Parameters:
    ///   - config: ``ServerConfig/handleSignals`` is ignored: the service group owns the signals.
    ///   - app: The application to serve.
    ///   - loop: A loop that runs on a thread of its own (a `LoopThread`'s) and outlives ``run()``,
    ///     to share it with loop-confined clients the application calls (a `RedisClient`); the
    ///     server leaves it running when it stops. nil: the server runs on a loop thread of its own.
    ///   - onServerRunning: Called with the bound address once the server listens (the port with
    ///     ``ServerConfig/port`` 0).
    public convenience init(
        config: ServerConfig = ServerConfig(), app: @escaping Application, loop: EventLoop? = nil,
        onServerRunning: (@Sendable (SocketAddress) async -> Void)? = nil
    ) {
        var config = config
        config.handleSignals = false
        self.init(config: config, service: ServiceSetup(app: app, loop: loop, onServerRunning: onServerRunning))
    }

    /// Runs the lifespan startup, listens, and serves until the service group's graceful shutdown,
    /// the task's cancellation or `--limit-max-requests`; then stops as on SIGTERM (no new
    /// connections, in-flight requests finish within ``ServerConfig/timeoutGracefulShutdown``,
    /// lifespan shutdown) and returns. Throws when the address cannot be bound or the lifespan
    /// startup fails. Only for a server made with ``init(config:app:loop:onServerRunning:)``.
    @concurrent
    public func run() async throws {
        guard let setup = service else {
            preconditionFailure("Server.run() serves the app of Server(config:app:); use run(_:) for this server")
        }
        let thread = setup.loop == nil ? try LoopThread(name: "asgi-server") : nil
        let loop = setup.loop ?? thread!.loop
        let stopper = ServiceStopper()
        let config = self.config
        let address: SocketAddress
        do {
            address = try await withCheckedThrowingContinuation { continuation in
                loop.execute {
                    let core = ServerCore(config: config, app: setup.app, loop: loop)
                    stopper.core = core
                    // The default (stop the loop) would stop a loop shared with others.
                    core.requestLimitAction = { stopper.stop() }
                    core.start { result in
                        guard case .success = result, let port = config.metricsPort else {
                            continuation.resume(with: result)
                            return
                        }
                        // `--metrics-port`: the endpoint on the same loop, as `run(_:)` serves it.
                        let render = CoreBox()
                        render.core = core
                        stopper.metricsEndpoint = MetricsEndpoint.start(
                            loop: loop, host: config.metricsHost, port: port, logger: config.logger,
                            render: { render.core.map(MetricsExport.render) ?? "" }
                        ) { endpoint in
                            if case .failure(let error) = endpoint {
                                continuation.resume(throwing: error)
                            } else {
                                continuation.resume(with: result)
                            }
                        }
                    }
                }
            }
        } catch {
            await stopper.stopped(on: loop)
            thread?.stopAndJoin()
            throw error
        }
        config.logger.info("SwiftASGI running on \(Server.describe(address, config))")
        await setup.onServerRunning?(address)
        await withTaskCancellationOrGracefulShutdownHandler {
            await stopper.stopped(on: loop, stopping: false)
        } onCancelOrGracefulShutdown: {
            loop.execute { stopper.stop() }
        }
        if let thread {
            let leaked = thread.stopAndJoin()
            if leaked != 0 { config.logger.debug("loop closed with \(leaked)") }
        }
    }
}

/// Stops a service's server core once, and tells whoever waits when it has stopped. Loop thread
/// only, except ``stopped(on:stopping:)``, which hops there.
private final class ServiceStopper: @unchecked Sendable {
    // Safety: every stored property is read and written on the loop thread only (`loop.execute`
    // blocks and the core's callbacks).
    var core: ServerCore?
    /// The `--metrics-port` endpoint, stopped first.
    var metricsEndpoint: ServerCore?
    private var isStopped = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Graceful stop as on SIGTERM; the waiters resume when the core has shut down.
    func stop() {
        guard let core else { finish(); return }
        if let endpoint = metricsEndpoint {
            metricsEndpoint = nil
            endpoint.shutdown { [self] in core.shutdown { [self] in finish() } }
            return
        }
        core.shutdown { [self] in finish() }
    }

    private func finish() {
        guard !isStopped else { return }
        isStopped = true
        core = nil
        let waiters = self.waiters
        self.waiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the core has stopped; `stopping`: asks it to stop first.
    func stopped(on loop: EventLoop, stopping: Bool = true) async {
        await withCheckedContinuation { continuation in
            loop.execute { [self] in
                if isStopped { continuation.resume(); return }
                waiters.append(continuation)
                if stopping { stop() }
            }
        }
    }
}
