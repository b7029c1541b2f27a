import ArgumentParser
import ASGI
import ASGIServer
import Glibc
import Logging

/// `asgi-demo`: the seeds' application on SwiftASGI.
@main
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asgi-demo",
        abstract: "Serve the SwiftASGI demo application (uvicorn-style flags).",
        discussion: """
            Every flag can also come from the environment: SWIFTASGI_<FLAG> (e.g. SWIFTASGI_PORT=8000, \
            SWIFTASGI_ACCESS_LOG=0), WEB_CONCURRENCY for --workers, FORWARDED_ALLOW_IPS, REDIS_URL. \
            Flags on the command line win.
            """)

    @OptionGroup var server: ServerOptions

    @Flag(help: "Serve the raw ASGI application (no framework): GET / and POST /echo only.")
    var rawApp = false

    /// Reads the environment's flags, then the command line's (which win).
    static func main() {
        let environment = ServerOptions.processEnvironment()
        do {
            let arguments = try ServerOptions.environmentArguments(environment) + Array(CommandLine.arguments.dropFirst())
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
        let app = RawApp.application
        let code: Int32
        do {
            code = try ServerMain.run(options: server, logger: logger, app: app)
        } catch {
            logger.critical("Cannot serve: \(error)")
            throw ExitCode(3)
        }
        if code != 0 { throw ExitCode(code) }
    }
}
