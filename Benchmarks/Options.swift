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
    case websocket
    case staticFiles = "static"
    case bigBody = "big-body"
    case instructions

    /// The scenarios of LoadScenarios and the main table (not the idle-memory one, not the
    /// WebSocket one, which has its own client, not the large-response ones of TransferScenarios).
    var isLoad: Bool { usesWrk && !isTransfer }

    /// Large responses (static files, the 1 MiB body): measured with wrk by TransferScenarios, own table.
    var isTransfer: Bool { self == .staticFiles || self == .bigBody }

    /// Measured with wrk at all.
    var usesWrk: Bool { self != .idle && self != .websocket && self != .instructions }

    /// What runs without --scenarios: everything but `websocket`, which installs Python peers
    /// from PyPI and builds a Hummingbird package first, and `static`, which installs Python peers
    /// too, and `instructions`, which runs the servers under callgrind (ask for them by name, or
    /// with `all`).
    static let defaults: [Scenario] = allCases.filter { $0 != .websocket && $0 != .staticFiles && $0 != .instructions }
}

struct OptionError: Error, CustomStringConvertible {
    let description: String
}

struct Options: Sendable {
    var serverBinary = ".build/release/asgi-demo"
    var scenarios: [Scenario] = Scenario.defaults
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
    /// The websocket scenario: servers, message sizes, where the peers are installed and built.
    var wsServers: [ServerRole] = ServerRole.webSocketServers
    var wsSize = 32
    var wsBigSize = 65_536
    var venv = "/tmp/swiftasgi-bench-venv"
    var hbDir = "/tmp/swiftasgi-bench-hbws"
    var installPeers = true
    /// An older asgi-demo build measured beside the current one (plaintext and big-body), as
    /// server role asgi-demo-baseline.
    var baselineBinary: String?
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
          --scenarios LIST       comma-separated, default plaintext,pipelined,json,plaintext-raw,redis-get,workers,idle,
                                 big-body; `websocket` and `static` only when named (or with `all`)
          --rounds N             rounds, servers interleaved in each; medians over rounds (default 3)
          --duration D           wrk duration per run, e.g. 8s (default 8s)
          --warmup D             wrk warm-up per server before the rounds, 0 = none (default 2s)
          --connections N        wrk connections, and the WebSocket client's (default 64)
          --pipeline-depth N     requests per write in the pipelined scenario (default 16)
          --idle-conns N         idle keep-alive connections (idle) and idle WebSockets (websocket) (default 2000)
          --server-cpu N         CPU for the servers (default 0)
          --client-cpu N         CPU for wrk, redis-server and this driver (default 1)
          --json PATH            JSON report (default /tmp/swiftasgi-bench.json)
          --run-dir PATH         logs, raw wrk output, generated configs (default /tmp/swiftasgi-bench-run)
          --no-nginx             do not measure nginx even if it is installed
          --baseline-binary PATH an older asgi-demo build, measured as asgi-demo-baseline in the same rounds as
                                 asgi-demo in plaintext and big-body (ratios asgi-demo / baseline)
          --ws-servers LIST      websocket scenario servers, default asgi-demo,asgi-demo-raw,uvicorn,granian,hummingbird-ws
          --ws-size N            echo message size in bytes, text (default 32)
          --ws-big-size N        throughput message size in bytes, binary (default 65536)
          --venv PATH            Python venv for uvicorn/granian/Starlette, created and filled from PyPI when missing
                                 (default /tmp/swiftasgi-bench-venv)
          --hb-dir PATH          build folder of the Hummingbird WebSocket peer (default /tmp/swiftasgi-bench-hbws)
          --no-install           use the venv and Hummingbird build as they are (no pip, no swift build)
          --quick                smoke test: 1 round, 3s runs, 1s warm-up (explicit options still win)
          -h, --help             this text

        scenarios: plaintext (GET /; also asgi-demo-metrics, the same with --metrics-port 0), pipelined (GET / × depth per write), json (GET /json), plaintext-raw
        (--raw-app), redis-get (GET /get via redis-server on the client CPU), idle (RSS per idle connection),
        websocket (WebSocket echo at /ws, see below), workers (GET /, the --workers sweep): single (no --workers, on the server CPU, wrk on the client CPU),
        workers-1 (--workers 1: supervisor + 1 worker, whole tree on the server CPU, wrk on the client CPU)
        and workers-2 (--workers 2, neither server nor wrk pinned: they share every CPU, so on 2 cores this
        is not a scaling measurement); ratios workers-1/single (supervisor cost, ≈ 1.0) and workers-2/single.
        Server CPU and RSS are summed over the process tree.

        websocket: asgi-demo (--no-ws-per-message-deflate), asgi-demo --raw-app, uvicorn (--ws websockets) and granian
        running Benchmarks/Peers/ws_echo.py (raw ASGI), and a Hummingbird-websocket echo server
        (Benchmarks/Peers/hummingbird-ws), each pinned to the server CPU, loaded in interleaved rounds by this
        executable's own client (`Benchmarks ws-load`, epoll, one thread) pinned to the client CPU: echo-N
        (--connections, one --ws-size text message outstanding each), stream-N (same, --ws-big-size binary), then
        idle-ws (--idle-conns WebSockets opened on a fresh server, one echo each, RSS per WebSocket). The client
        offers no extension, so no permessage-deflate anywhere.
        `Benchmarks ws-load --help` runs the client alone.

        static: three files of random bytes (1 KiB, 64 KiB, 1 MiB) written to <run-dir>/static, each fetched over
        keep-alive with wrk (GET /static/<file>; static-1k, static-64k, static-1m) from asgi-demo --static-dir,
        nginx (the folder at /static/, sendfile on, tcp_nopush on, 1 worker), uvicorn running Starlette's
        StaticFiles (Benchmarks/Peers/static_starlette.py) and granian's own static serving (--static-path-route,
        --static-path-mount), each pinned to the server CPU. A server whose first answer is not 200 with the file's
        exact bytes is reported as failed for that size. req/s, MB/s (wrk's Transfer/sec), p99, and asgi-demo's
        req/s ratios to nginx and to uvicorn per size.
        big-body: asgi-demo GET /bytes?n=1048576 (one 1 MiB in-memory body) over keep-alive, req/s and p99, with nginx
        sending the 1 MiB static file (sendfile) as the reference, and asgi-demo-baseline when --baseline-binary is
        given (ratio asgi-demo / baseline, aim ≥ 1.3). No Python peers.

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
            case "--ws-servers": options.wsServers = try parseWebSocketServers(try value())
            case "--ws-size": options.wsSize = try number(min: 0)
            case "--ws-big-size": options.wsBigSize = try number(min: 0)
            case "--venv": options.venv = try value()
            case "--hb-dir": options.hbDir = try value()
            case "--no-install": options.installPeers = false
            case "--baseline-binary": options.baselineBinary = try value()
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

    static func parseWebSocketServers(_ text: String) throws -> [ServerRole] {
        var out: [ServerRole] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let role = ServerRole(rawValue: item), ServerRole.webSocketServers.contains(role) else {
                let valid = ServerRole.webSocketServers.map(\.rawValue).joined(separator: ", ")
                throw OptionError(description: "unknown WebSocket server '\(item)' (valid: \(valid))")
            }
            if !out.contains(role) { out.append(role) }
        }
        guard !out.isEmpty else { throw OptionError(description: "--ws-servers is empty") }
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
