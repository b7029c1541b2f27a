public import ASGI
import Glibc
import Logging
import Synchronization
public import UVLoop

/// The ASGI HTTP/1.1 server: one libuv loop on one thread serving an ``Application``.
///
/// ```swift
/// var config = ServerConfig()
/// config.port = 6000
/// try Server(config: config).run { scope, receive, send in
///     try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
///     try await send(.responseBody(Array("Hello, ASGI!".utf8)))
/// }
/// ```
///
/// `run` blocks the calling thread until SIGTERM/SIGINT (graceful: in-flight requests finish,
/// bounded by ``ServerConfig/timeoutGracefulShutdown``) and returns normally after a clean stop.
public final class Server: Sendable {
    public let config: ServerConfig
    /// What ``run()`` serves when the server runs as a service (``init(config:app:loop:onServerRunning:)``).
    let service: ServiceSetup?

    public init(config: ServerConfig = ServerConfig()) {
        self.config = config
        self.service = nil
    }

    init(config: ServerConfig, service: ServiceSetup) {
        self.config = config
        self.service = service
    }

    /// Serves `app` on the calling thread until stopped by a signal. Throws when the address
    /// cannot be bound or the lifespan startup fails.
    public func run(_ app: @escaping Application, onStarted: ((ServerControl) -> Void)? = nil) throws {
        let loop = try EventLoop()
        let core = ServerCore(config: config, app: app, loop: loop)
        let outcome = Outcome()
        var metricsEndpoint: ServerCore?
        // The metrics endpoint closes first, then the server; the loop stops when both are done.
        let stop = {
            guard let endpoint = metricsEndpoint else { core.shutdown { loop.stop() }; return }
            endpoint.shutdown { core.shutdown { loop.stop() } }
        }
        var signals: [SignalWatcher] = []
        if config.handleSignals {
            SignalWatcher.unblock([SIGTERM, SIGINT])
            for signal in [SIGTERM, SIGINT] {
                signals.append(try SignalWatcher(loop: loop, signal: signal) { _ in stop() })
            }
        }
        let started = { (address: SocketAddress) in
            core.logger.info("SwiftASGI running on \(Server.describe(address, core.config)) (Press CTRL+C to quit)")
            onStarted?(ServerControl(core: core, address: address))
        }
        core.start { result in
            switch result {
            case .success(let address):
                guard let port = core.config.metricsPort else { started(address); return }
                let render = CoreBox()
                render.core = core
                metricsEndpoint = MetricsEndpoint.start(
                    loop: loop, host: core.config.metricsHost, port: port, logger: core.logger,
                    render: { render.core.map(MetricsExport.render) ?? "" }
                ) { result in
                    switch result {
                    case .success: started(address)
                    case .failure(let error):
                        outcome.error = error
                        stop()
                    }
                }
            case .failure(let error):
                outcome.error = error
                core.shutdown { loop.stop() }
            }
        }
        loop.run()
        for watcher in signals { watcher.close() }
        let leaked = loop.close()
        if leaked != 0 { core.logger.debug("loop closed with \(leaked)") }
        if let error = outcome.error { throw error }
    }

    /// Starts `app` on a loop thread of its own and returns once it listens (tests, embedding).
    /// Stop it with ``RunningServer/shutdown()``.
    public static func start(config: ServerConfig, app: @escaping Application) async throws -> RunningServer {
        try await start(config: config, app: app, serving: nil)
    }

    /// `serving`: listen nowhere and report this address (in-process clients connect through
    /// ``ServerCore/accept(_:)``).
    static func start(config: ServerConfig, app: @escaping Application, serving: SocketAddress?) async throws -> RunningServer {
        var config = config
        config.handleSignals = false
        let thread = try LoopThread(name: "asgi-server")
        let loop = thread.loop
        let core = CoreBox()
        let frozen = config
        do {
            let address: SocketAddress = try await withCheckedThrowingContinuation { continuation in
                loop.execute {
                    let server = ServerCore(config: frozen, app: app, loop: loop)
                    core.core = server
                    server.start(serving: serving) { result in continuation.resume(with: result) }
                }
            }
            return RunningServer(thread: thread, core: core, address: address)
        } catch {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                loop.execute { core.core?.shutdown { done.resume() } }
            }
            _ = thread.stopAndJoin()
            throw error
        }
    }

    static func describe(_ address: SocketAddress, _ config: ServerConfig) -> String {
        if address.host.hasPrefix("fd://") { return "inherited socket \(address.host)" }
        return address.port == nil ? "unix:\(address.host)" : "http://\(address)"
    }
}

/// A server started with ``Server/start(config:app:)``.
///
/// Releasing it without ``shutdown()`` stops the server gracefully in the background (the loop
/// thread ends by itself); application tasks still running then (waiting on a thread pool, say)
/// are never resumed on a closed loop: their jobs are dropped.
public final class RunningServer: Sendable {
    private let thread: LoopThread
    let core: CoreBox
    private let stopped = Atomic<Bool>(false)
    /// The bound address.
    public let address: SocketAddress
    /// The bound TCP port (useful with port 0).
    public var port: Int { address.port ?? 0 }
    /// The loop serving requests.
    public var loop: EventLoop { thread.loop }

    init(thread: LoopThread, core: CoreBox, address: SocketAddress) {
        self.thread = thread
        self.core = core
        self.address = address
    }

    deinit {
        guard !stopped.load(ordering: .acquiring) else { return }
        let loop = thread.loop
        let core = self.core
        loop.execute {
            guard let server = core.core else { loop.stop(); return }
            server.shutdown { loop.stop() }
        }
    }

    /// Graceful shutdown as on SIGTERM; returns `uv_loop_close`'s result (0: nothing leaked).
    @discardableResult
    public func shutdown() async -> Int32 {
        // A second call waits for nothing more: the loop is stopped (or stopping) already.
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return thread.stopAndJoin() }
        let loop = thread.loop
        let core = self.core
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                guard let server = core.core else { done.resume(); return }
                server.shutdown { done.resume() }
            }
        }
        return thread.stopAndJoin()
    }

    /// Open connections right now (read on the loop thread).
    public func connectionCount() async -> Int {
        let loop = thread.loop
        let core = self.core
        return await withCheckedContinuation { continuation in
            loop.execute { continuation.resume(returning: core.core?.connectionCount ?? 0) }
        }
    }
}

/// Holds the loop-confined core for code on other threads, which only touches it via `execute`.
final class CoreBox: @unchecked Sendable {
    // Safety: `core` is written and read only inside `loop.execute` blocks (the loop thread).
    var core: ServerCore?
}

/// Start-up outcome carried out of the loop (written and read on the calling thread of `run`).
private final class Outcome: @unchecked Sendable {
    // Safety: written on the loop thread, which is the thread of `run`, and read there afterwards.
    var error: (any Error)?
}
