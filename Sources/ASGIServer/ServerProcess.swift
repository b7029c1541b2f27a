public import ASGI
import Glibc
public import Logging
import UVLoop

/// Runs a server as a process: one process by default, a supervisor with worker processes when
/// `settings.workers` is set (or `reload`), or, when started by such a supervisor, one of its
/// workers. The supervisor starts workers as this same executable with `arguments`, which must
/// describe the same server again (a command line's own arguments do).
///
/// ```swift
/// var config = ServerConfig()
/// config.port = 8000
/// let code = try ServerProcess.run(config: config, settings: .init(workers: 4), logger: logger, app: app)
/// ```
///
/// The `ASGIServerCLI` library's `ServerMain` does this from uvicorn-style flags.
public enum ServerProcess {
    /// What only a process manager needs (the server itself is described by ``ServerConfig``).
    public struct Settings: Sendable {
        /// Worker processes under a supervisor; nil: serve in this process (unless `reload`).
        public var workers: Int?
        /// Development: roll the workers when the executable's folder or `reloadPaths` change.
        public var reload: Bool
        public var reloadPaths: [String]
        /// A worker that does not answer the supervisor's ping for this long is replaced (0: never).
        public var healthcheckTimeout: Double
        /// The arguments a worker is started with (default: this process's own).
        public var arguments: [String]

        public init(
            workers: Int? = nil, reload: Bool = false, reloadPaths: [String] = [], healthcheckTimeout: Double = 30,
            arguments: [String] = Array(CommandLine.arguments.dropFirst())
        ) {
            self.workers = workers
            self.reload = reload
            self.reloadPaths = reloadPaths
            self.healthcheckTimeout = healthcheckTimeout
            self.arguments = arguments
        }
    }

    /// Serves `app`. Returns the exit code the process should end with (0 after a graceful
    /// stop). Throws when the server cannot start (address in use, lifespan startup failed) in
    /// single-process and worker mode.
    public static func run(config: ServerConfig, settings: Settings, logger: Logger, app: @escaping Application) throws -> Int32 {
        var config = config
        config.logger = logger
        if let id = ProcessEnvironment.get(Supervisor.workerIDVariable) {
            return try runWorker(id: id, config: &config, logger: logger, app: app)
        }
        guard settings.workers != nil || settings.reload else {
            try Server(config: config).run(app)
            return 0
        }
        return try runSupervisor(config: config, settings: settings, logger: logger)
    }

    // MARK: Supervisor

    private static func runSupervisor(config: ServerConfig, settings: Settings, logger: Logger) throws -> Int32 {
        let executable = try currentExecutable()
        var arguments = settings.arguments
        var inherited: [Int32] = []
        if let path = config.unixSocket {
            // One Unix socket for all workers: created here, inherited as fd 4.
            let fd = try Listener.bindUnixSocket(path: path, backlog: config.backlog)
            inherited.append(fd)
            logger.info("Listening on unix:\(path)")
            arguments = rewrite(arguments, dropping: ["--uds"]) + ["--fd", "4"]
        } else if let fd = config.fileDescriptor {
            inherited.append(fd)
            arguments = rewrite(arguments, dropping: ["--fd"]) + ["--fd", "4"]
        } else if ProcessEnvironment.get("SWIFTASGI_REUSEPORT") != "1" {
            // One listening socket shared by all workers (inherited as fd 4): a worker that exits
            // (recycled, rolled, killed) leaves its queued connections to the others, so rolling
            // restarts lose nothing. SWIFTASGI_REUSEPORT=1 gives each worker its own
            // SO_REUSEPORT socket instead (see the README for the measured spread of both).
            let (fd, address) = try Listener.bindTCPSocket(host: config.host, port: config.port, backlog: config.backlog)
            inherited.append(fd)
            arguments = rewrite(arguments, dropping: ["--host", "--port"]) + ["--fd", "4"]
            logger.info("Listening on http://\(address)")
        }
        var reloadPaths: [String] = []
        if settings.reload {
            reloadPaths.append(directory(of: executable))
            reloadPaths += settings.reloadPaths
        }
        let supervised = Supervisor.Settings(
            workers: settings.workers ?? 1,
            healthcheckTimeout: settings.healthcheckTimeout,
            gracefulTimeout: config.timeoutGracefulShutdown,
            executable: executable, arguments: arguments, reloadPaths: reloadPaths,
            inheritedFileDescriptors: inherited, metricsHost: config.metricsHost, metricsPort: config.metricsPort)
        let supervisor = try Supervisor(settings: supervised, logger: logger)
        let code = try supervisor.run()
        if let path = config.unixSocket { unlink(path) }
        return code
    }

    /// Removes `flag VALUE` / `flag=VALUE` occurrences.
    public static func rewrite(_ arguments: [String], dropping flags: Set<String>) -> [String] {
        var result: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext { skipNext = false; continue }
            if flags.contains(argument) { skipNext = true; continue }
            if let equals = argument.firstIndex(of: "="), flags.contains(String(argument[..<equals])) { continue }
            result.append(argument)
        }
        return result
    }

    private static func currentExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw UVError(-errno) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    // MARK: Worker

    private static func runWorker(id: String, config: inout ServerConfig, logger: Logger, app: @escaping Application) throws -> Int32 {
        if let inherited = ProcessEnvironment.get(Supervisor.listenerVariable).flatMap({ Int32($0) }) {
            config.fileDescriptor = inherited
            config.unixSocket = nil
        } else if config.unixSocket == nil && config.fileDescriptor == nil {
            config.reusePort = true  // SWIFTASGI_REUSEPORT=1: every worker binds its own socket
        }
        // The supervisor serves the metrics endpoint and asks each worker for its part.
        config.metricsForSupervisor = config.metricsPort != nil
        config.metricsPort = nil
        var logger = logger
        logger[metadataKey: "worker"] = "\(id)"
        config.logger = logger
        // Terminal job-control signals sent to the whole group must not stop a worker.
        signal(SIGTTIN, SIG_IGN)
        signal(SIGTTOU, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        try Server(config: config).run(app) { control in
            do {
                let stream = try Stream.openPipe(loop: control.loop, fileDescriptor: 3)
                let channel = LineChannel(stream: stream)
                channel.unref()
                channel.onLine = { line in
                    switch line {
                    case "ping": channel.send("pong")
                    case "metrics": channel.send("metrics " + MetricsExport.escape(MetricsExport.render(control.core)))
                    default: break
                    }
                }
                channel.onClose = {
                    // The supervisor is gone: do not linger as an orphan.
                    logger.warning("Supervisor channel closed: stopping")
                    control.shutdown()
                }
                control.onRequestLimit { channel.send("recycle") }
                channel.send("ready")
            } catch {
                logger.critical("Worker control channel unavailable: \(error)")
                control.shutdown()
            }
        }
        return 0
    }
}
