// Command-line options of the Benchmarks executable (no dependencies: parsed by hand).
import Foundation

/// A scenario name as given to `--scenarios`.
enum Scenario: String, CaseIterable, Codable, Sendable {
    case plaintext
    case pipelined
    case json
    case plaintextRaw = "plaintext-raw"
    case redisGet = "redis-get"
    case workers
    case idle

    /// Scenarios measured with wrk (everything but the idle-memory one).
    var isLoad: Bool { self != .idle }
}

struct OptionError: Error, CustomStringConvertible {
    let description: String
}

struct Options: Sendable {
    var serverBinary = ".build/release/asgi-demo"
    var scenarios: [Scenario] = Scenario.allCases
    var rounds = 3
    var duration = "8s"
    var warmup = "2s"
    var connections = 64
    var pipelineDepth = 16
    var idleConnections = 2000
    var serverCPU = 0
    var clientCPU = 1
    var jsonPath = "/tmp/swiftasgi-bench.json"
    var runDir = "/tmp/swiftasgi-bench-run"
    var useNginx = true
    var quick = false
    /// The CPUs this run may use, as taskset reads them ("0-1"), recorded before the driver pins
    /// itself: unpinned children (the workers-2 server and its wrk) get this list back.
    var allCPUs = "0"

    enum Parsed {
        case run(Options)
        case help
    }

    static let usage = """
        usage: swift run -c release Benchmarks [options]

        Load-tests .build/release/asgi-demo (build it first: swift build -c release --product asgi-demo)
        pinned to one CPU with wrk pinned to the other, against nginx when it is installed.

        options:
          --server-binary PATH   asgi-demo binary (default .build/release/asgi-demo, from the package root)
          --scenarios LIST       comma-separated, default plaintext,pipelined,json,plaintext-raw,redis-get,workers,idle
          --rounds N             rounds, servers interleaved in each; medians over rounds (default 3)
          --duration D           wrk duration per run, e.g. 8s (default 8s)
          --warmup D             wrk warm-up per server before the rounds, 0 = none (default 2s)
          --connections N        wrk connections (default 64)
          --pipeline-depth N     requests per write in the pipelined scenario (default 16)
          --idle-conns N         idle keep-alive connections in the idle scenario (default 2000)
          --server-cpu N         CPU for the servers (default 0)
          --client-cpu N         CPU for wrk, redis-server and this driver (default 1)
          --json PATH            JSON report (default /tmp/swiftasgi-bench.json)
          --run-dir PATH         logs, raw wrk output, generated configs (default /tmp/swiftasgi-bench-run)
          --no-nginx             do not measure nginx even if it is installed
          --quick                smoke test: 1 round, 3s runs, 1s warm-up (explicit options still win)
          -h, --help             this text

        scenarios: plaintext (GET /), pipelined (GET / × depth per write), json (GET /json), plaintext-raw
        (--raw-app), redis-get (GET /get via redis-server on the client CPU), idle (RSS per idle connection),
        workers (GET /, the --workers sweep): single (no --workers, on the server CPU, wrk on the client CPU),
        workers-1 (--workers 1: supervisor + 1 worker, whole tree on the server CPU, wrk on the client CPU)
        and workers-2 (--workers 2, neither server nor wrk pinned: they share every CPU, so on 2 cores this
        is not a scaling measurement); ratios workers-1/single (supervisor cost, ≈ 1.0) and workers-2/single.
        Server CPU and RSS are summed over the process tree.

        exit status: 0 all scenarios measured, 1 some scenario failed, 2 usage or setup error.
        """

    static func parse(_ args: [String]) throws -> Parsed {
        var options = Options()
        var given = Set<String>()
        var index = 0
        while index < args.count {
            var name = args[index]
            var inline: String?
            if name.hasPrefix("--"), let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            func value() throws -> String {
                if let inline { return inline }
                index += 1
                guard index < args.count else { throw OptionError(description: "\(name) needs a value") }
                return args[index]
            }
            func number(min: Int = 1) throws -> Int {
                let text = try value()
                guard let n = Int(text), n >= min else {
                    throw OptionError(description: "\(name): expected an integer ≥ \(min), got '\(text)'")
                }
                return n
            }
            switch name {
            case "-h", "--help": return .help
            case "--server-binary": options.serverBinary = try value()
            case "--scenarios": options.scenarios = try parseScenarios(try value())
            case "--rounds": options.rounds = try number()
            case "--duration": options.duration = try parseDuration(try value(), option: name, allowZero: false)
            case "--warmup": options.warmup = try parseDuration(try value(), option: name, allowZero: true)
            case "--connections": options.connections = try number()
            case "--pipeline-depth": options.pipelineDepth = try number()
            case "--idle-conns": options.idleConnections = try number()
            case "--server-cpu": options.serverCPU = try number(min: 0)
            case "--client-cpu": options.clientCPU = try number(min: 0)
            case "--json": options.jsonPath = try value()
            case "--run-dir": options.runDir = try value()
            case "--no-nginx": options.useNginx = false
            case "--quick": options.quick = true
            default: throw OptionError(description: "unknown option '\(args[index])' (see --help)")
            }
            given.insert(name)
            index += 1
        }
        if options.quick {
            if !given.contains("--rounds") { options.rounds = 1 }
            if !given.contains("--duration") { options.duration = "3s" }
            if !given.contains("--warmup") { options.warmup = "1s" }
        }
        if options.serverCPU == options.clientCPU {
            throw OptionError(description: "--server-cpu and --client-cpu must differ")
        }
        return .run(options)
    }

    static func parseScenarios(_ text: String) throws -> [Scenario] {
        if text == "all" { return Scenario.allCases }
        var out: [Scenario] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let scenario = Scenario(rawValue: item) else {
                let valid = Scenario.allCases.map(\.rawValue).joined(separator: ", ")
                throw OptionError(description: "unknown scenario '\(item)' (valid: \(valid))")
            }
            if !out.contains(scenario) { out.append(scenario) }
        }
        guard !out.isEmpty else { throw OptionError(description: "--scenarios is empty") }
        return out
    }

    /// wrk durations: digits with an optional s/m/h unit ("8" means "8s").
    static func parseDuration(_ text: String, option: String, allowZero: Bool) throws -> String {
        var digits = Substring(text)
        var unit = "s"
        if let last = text.last, "smh".contains(last) {
            digits = text.dropLast()
            unit = String(last)
        }
        guard let n = Int(digits), n > 0 || (allowZero && n == 0) else {
            throw OptionError(description: "\(option): expected a duration like 8s, got '\(text)'")
        }
        return n == 0 ? "0s" : "\(n)\(unit)"
    }

    var warmupEnabled: Bool { warmup != "0s" }
}
