// `Benchmarks ws-load ...`: its options, its JSON result and its entry point. The load generator
// itself (epoll, one thread, one message outstanding per connection) is in WebSocketLoad.swift.
import Foundation
import Glibc

struct WSLatency: Codable, Sendable {
    var samples: Int
    var meanUs: Double
    var p50Us: Double
    var p90Us: Double
    var p99Us: Double
    var p999Us: Double
    var maxUs: Double
}

struct WSLoadResult: Codable, Sendable {
    var port: Int
    var path: String
    var connectionsRequested: Int
    var connectionsOpened = 0
    var messageBytes: Int
    var opcode: String
    var seconds: Double = 0
    var messages = 0
    var msgsPerSec: Double = 0
    /// Echoed payload per second, one direction, in 10^6 bytes.
    var payloadMBPerSec: Double = 0
    var latency: WSLatency?
    /// Connections the server closed (close frame or EOF) or broke during the measured window.
    var connectionsLost = 0
    var errorCount = 0
    var errorSample: [String] = []
    var serverCloseCodes: [Int] = []
    var pingsAnswered = 0
    var drainedAfterWindow = 0
    var unansweredAtEnd = 0
    var closeHandshakes = 0
    var closeEofs = 0
    var closeSilent = 0
}

struct WSLoadConfig {
    var port: UInt16 = 0
    var path = "/ws"
    var connections = 64
    var seconds = 8.0
    var size = 32
    var binary = false
    var jsonPath: String?

    static let usage = """
        usage: Benchmarks ws-load --port N [--path /ws] [--connections 64] [--duration 8s] [--size 32] [--binary] [--json PATH]

        WebSocket echo load on 127.0.0.1 (run it pinned: taskset -c 1 Benchmarks ws-load ...): every connection keeps
        one message of --size bytes (text of ASCII letters, or random bytes with --binary) outstanding; prints JSON.
        """

    static func parse(_ args: [String]) throws -> WSLoadConfig {
        var config = WSLoadConfig()
        var index = 0
        while index < args.count {
            let name = args[index]
            func value() throws -> String {
                index += 1
                guard index < args.count else { throw OptionError(description: "\(name) needs a value") }
                return args[index]
            }
            func number(min: Int = 1) throws -> Int {
                let text = try value()
                guard let n = Int(text), n >= min else { throw OptionError(description: "\(name): expected an integer ≥ \(min)") }
                return n
            }
            switch name {
            case "--port": config.port = UInt16(try number())
            case "--path": config.path = try value()
            case "--connections": config.connections = try number()
            case "--duration":
                let text = try Options.parseDuration(try value(), option: name, allowZero: false)
                let n = Double(text.dropLast()) ?? 1
                config.seconds = n * (text.hasSuffix("m") ? 60 : text.hasSuffix("h") ? 3600 : 1)
            case "--size": config.size = try number(min: 0)
            case "--binary": config.binary = true
            case "--json": config.jsonPath = try value()
            default: throw OptionError(description: "ws-load: unknown option '\(name)'")
            }
            index += 1
        }
        guard config.port > 0 else { throw OptionError(description: "ws-load: --port is required") }
        return config
    }
}

enum WSLoadCommand {
    static func main(_ args: [String]) -> Int32 {
        if args.contains("-h") || args.contains("--help") {
            print(WSLoadConfig.usage)
            return 0
        }
        let config: WSLoadConfig
        do { config = try WSLoadConfig.parse(args) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            return 2
        }
        signal(SIGPIPE, SIG_IGN)
        Host.raiseFileLimit()
        let result = WSLoadGenerator(config).run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(result) else { return 2 }
        if let path = config.jsonPath {
            do { try data.write(to: URL(fileURLWithPath: path)) } catch {
                FileHandle.standardError.write(Data("cannot write \(path): \(error)\n".utf8))
                return 2
            }
        } else {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
        return result.connectionsOpened == config.connections && result.messages > 0 ? 0 : 1
    }
}
