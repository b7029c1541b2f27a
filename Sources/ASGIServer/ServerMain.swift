public import ASGI
import Glibc
public import Logging
import UVLoop

/// The entry point of an executable that serves an application with the uvicorn-style flags:
/// one process by default, a supervisor with worker processes under `--workers N` (or
/// `--reload`), or — when started by such a supervisor — one of its workers.
///
/// ```swift
/// @OptionGroup var server: ServerOptions
/// func run() throws {
///     try ServerMain.run(options: server, logger: logger) { scope, receive, send in ... }
/// }
/// ```
public enum ServerMain {
    /// Serves `app` as the options say. Returns the exit code the process should end with
    /// (0 after a graceful stop). Throws when the server cannot start (address in use, lifespan
    /// startup failed) in single-process and worker mode.
    public static func run(options: ServerOptions, logger: Logger, app: @escaping Application) throws -> Int32 {
        var config = options.makeConfig(logger: logger)
        if let id = ProcessEnvironment.get(Supervisor.workerIDVariable) {
            return try runWorker(id: id, config: &config, logger: logger, app: app)
        }
        guard options.workers != nil || options.reload else {
            try Server(config: config).run(app)
            return 0
        }
        return try runSupervisor(options: options, logger: logger)
    }

    // MARK: Supervisor

    private static func runSupervisor(options: ServerOptions, logger: Logger) throws -> Int32 {
        let executable = try currentExecutable()
        var arguments = Array(CommandLine.arguments.dropFirst())
        var inherited: [Int32] = []
        if let path = options.uds {
            // One Unix socket for all workers: created here, inherited as fd 4.
            let fd = try Listener.bindUnixSocket(path: path, backlog: options.backlog)
            inherited.append(fd)
            logger.info("Listening on unix:\(path)")
            arguments = rewrite(arguments, dropping: ["--uds"]) + ["--fd", "4"]
        } else if let fd = options.fd {
            inherited.append(fd)
            arguments = rewrite(arguments, dropping: ["--fd"]) + ["--fd", "4"]
        } else if ProcessEnvironment.get("SWIFTASGI_REUSEPORT") != "1" {
            // One listening socket shared by all workers (inherited as fd 4): a worker that exits
            // (recycled, rolled, killed) leaves its queued connections to the others, so rolling
            // restarts lose nothing. SWIFTASGI_REUSEPORT=1 gives each worker its own
            // SO_REUSEPORT socket instead (see the README for the measured spread of both).
            let (fd, address) = try Listener.bindTCPSocket(host: options.host, port: options.port, backlog: options.backlog)
            inherited.append(fd)
            arguments = rewrite(arguments, dropping: ["--host", "--port"]) + ["--fd", "4"]
            logger.info("Listening on http://\(address)")
        }
        var reloadPaths: [String] = []
        if options.reload {
            reloadPaths.append(directory(of: executable))
            reloadPaths += options.reloadDirs
        }
        let settings = Supervisor.Settings(
            workers: options.workers?.count ?? 1,
            healthcheckTimeout: options.timeoutWorkerHealthcheck,
            gracefulTimeout: options.timeoutGracefulShutdown,
            executable: executable, arguments: arguments, reloadPaths: reloadPaths,
            inheritedFileDescriptors: inherited)
        let supervisor = try Supervisor(settings: settings, logger: logger)
        let code = try supervisor.run()
        if let path = options.uds { unlink(path) }
        return code
    }

    /// Removes `flag VALUE` / `flag=VALUE` occurrences.
    static func rewrite(_ arguments: [String], dropping flags: Set<String>) -> [String] {
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
        if config.unixSocket == nil && config.fileDescriptor == nil {
            config.reusePort = true  // SWIFTASGI_REUSEPORT=1: every worker binds its own socket
        }
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
                    if line == "ping" { channel.send("pong") }
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
