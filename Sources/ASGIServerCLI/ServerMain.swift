public import ASGI
public import ASGIServer
public import Logging

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
    /// Serves `app` as the options say (``ServerProcess/run(config:settings:logger:app:)``).
    /// Returns the exit code the process should end with (0 after a graceful stop). Throws when
    /// the server cannot start (address in use, lifespan startup failed) in single-process and
    /// worker mode.
    public static func run(options: ServerOptions, logger: Logger, app: @escaping Application) throws -> Int32 {
        try ServerProcess.run(config: options.makeConfig(logger: logger), settings: options.processSettings, logger: logger, app: app)
    }
}

extension ServerOptions {
    /// `--workers`, `--reload`, `--reload-dir` and `--timeout-worker-healthcheck`.
    public var processSettings: ServerProcess.Settings {
        ServerProcess.Settings(
            workers: workers?.count, reload: reload, reloadPaths: reloadDirs, healthcheckTimeout: timeoutWorkerHealthcheck)
    }
}
