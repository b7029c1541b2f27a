import ASGI
import ASGIKit
import ASGIRedis
import ASGIServer
import ASGIServerCLI
import ArgumentParser
import Glibc
import Logging

/// `asgi-demo`: the demo application (the routes of the README's table) on SwiftASGI, with the
/// server's uvicorn-style command line.
@main
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asgi-demo",
        abstract: "Serve the SwiftASGI demo application (uvicorn-style flags).",
        discussion: """
            Every flag can also come from the environment: SWIFTASGI_<FLAG> (e.g. SWIFTASGI_PORT=8000, \
            SWIFTASGI_ACCESS_LOG=0), WEB_CONCURRENCY for --workers, FORWARDED_ALLOW_IPS, REDIS_URL, \
            and from an --env-file of KEY=VALUE lines. Flags on the command line win over the \
            environment, which wins over the file.
            """)

    @OptionGroup var server: ServerOptions

    @Flag(help: "Serve the raw ASGI application (no framework): GET / and POST /echo only.")
    var rawApp = false

    @Option(
        help: ArgumentHelp(
            "Redis for /get, /set and /readyz: redis://[[user]:password@]host[:port][/db] or unix:///path. Env: REDIS_URL.", valueName: "url"))
    var redisURL: String = RedisConfiguration.defaultURL

    @Option(
        help: ArgumentHelp(
            "Serve the files of this folder at /static/ (index.html for folders, 404.html when present). Env: SWIFTASGI_STATIC_DIR.", valueName: "dir"
        ))
    var staticDir: String?

    @Option(help: ArgumentHelp("Threads of the pool that runs blocking handlers (/blocking).", valueName: "n"))
    var blockingThreads: Int = 4

    @Option(help: ArgumentHelp("Blocking requests that may wait for a pool thread; more are answered 503.", valueName: "n"))
    var blockingQueue: Int = 1024

    func validate() throws {
        do {
            _ = try RedisConfiguration(url: redisURL)
        } catch {
            throw ValidationError("--redis-url: \(error)")
        }
        guard (1...256).contains(blockingThreads) else { throw ValidationError("--blocking-threads must be between 1 and 256") }
        guard blockingQueue >= 0 else { throw ValidationError("--blocking-queue must not be negative") }
    }

    /// Reads the environment's flags, then the command line's (which win).
    static func main() {
        do {
            do {
                try ServerOptions.loadEnvironmentFile(arguments: Array(CommandLine.arguments.dropFirst()))
            } catch let error as EnvironmentFileError {
                throw ValidationError(error.description)  // a usage error: exit code 64
            }
            let environment = ServerOptions.processEnvironment()
            var fromEnvironment = try ServerOptions.environmentArguments(environment)
            if let url = environment["REDIS_URL"], !url.isEmpty { fromEnvironment += ["--redis-url", url] }
            if let dir = environment["SWIFTASGI_STATIC_DIR"], !dir.isEmpty { fromEnvironment += ["--static-dir", dir] }
            let arguments = fromEnvironment + Array(CommandLine.arguments.dropFirst())
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    mutating func run() throws {
        let level = server.logLevel.level
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "asgi-demo")
        logger.logLevel = level
        let app = try makeApplication(logger: logger)
        let code: Int32
        do {
            code = try ServerMain.run(options: server, logger: logger, app: app)
        } catch {
            logger.critical("Cannot serve: \(error)")
            throw ExitCode(3)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// The raw app, or the framework demo with every route of the design's table, behind gzip.
    private func makeApplication(logger: Logger) throws -> Application {
        if rawApp { return RawApp.application }
        var configuration = RouterConfiguration()
        configuration.blockingThreads = blockingThreads
        configuration.blockingQueue = blockingQueue
        let router = makeDemoRouter(configuration: configuration)
        RedisRoutes.add(to: router, configuration: try RedisConfiguration(url: redisURL), logger: logger)
        ChatRoutes.add(to: router)
        if let staticDir {
            do {
                router.mount("/static", try StaticFiles(directory: staticDir, html: true))
            } catch {
                throw ValidationError("--static-dir: \(error)")
            }
        }
        if ServerOptions.processEnvironment()["SWIFTASGI_DEMO_TEST_ROUTES"] == "1" {
            TestRoutes.add(to: router)
        }
        return GZip(minimumSize: 500).middleware(router.application)
    }
}
