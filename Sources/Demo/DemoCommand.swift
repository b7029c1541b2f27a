import ArgumentParser
import ASGI
import ASGIServer
import Logging

/// `asgi-demo`: the seeds' application on SwiftASGI.
@main
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asgi-demo",
        abstract: "Serve the SwiftASGI demo application.",
        discussion: "Routes: GET / ; POST /echo. See the README for the behaviour table.")

    @OptionGroup var server: ServerOptions

    @Flag(help: "Serve the raw ASGI application (no framework): GET / and POST /echo.")
    var rawApp = false

    mutating func run() throws {
        let level = server.logLevel.level
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "asgi-demo")
        logger.logLevel = level
        let config = server.makeConfig(logger: logger)
        do {
            try Server(config: config).run(RawApp.application)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(3)
        }
    }
}
