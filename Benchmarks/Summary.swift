// Medians over rounds, ratios between rows, targets, and the JSON document.
import Foundation

struct SummaryRow: Codable {
    var server: ServerRole
    var scenario: Scenario
    /// Name in the tables (single / workers-1 / workers-2 in the workers sweep, else the server).
    var label: String
    var roundsOK = 0
    var roundsTotal = 0
    var failed = false
    var errors: [String] = []
    var rpsMedian: Double?
    var rpsAll: [Double] = []
    var p50MsMedian: Double?
    var p99MsMedian: Double?
    var avgMsMedian: Double?
    var littleMsMedian: Double?
    var serverCPUPctMedian: Double?
    var wrkCPUPctMedian: Double?
    var redisCPUPctMedian: Double?
    /// Server process tree (supervisor + workers): RSS after each run, and its number of processes.
    var serverRSSKBMedian: Double?
    var serverProcesses: Int?
    /// "server", "client" (wrk, plus redis-server sharing its CPU), "both" or nil: who was at ~100 %;
    /// "cores" when server and wrk share every CPU and together use ≥ 90 % of them.
    var bottleneck: String?
    var comparedWith: String?
    var rpsRatio: Double?
    var p99Ratio: Double?
    var littleRatio: Double?
    var redis: RedisTraffic?
}

struct IdleSummary: Codable {
    var server: ServerRole
    var connections: Int
    var roundsOK = 0
    var roundsTotal = 0
    var failed = false
    var errors: [String] = []
    var rssBeforeKBMedian: Double?
    var rssAfterKBMedian: Double?
    var bytesPerConnectionMedian: Double?
    var bytesPerConnectionAll: [Int] = []
    var connectionsOKMin: Int?
    var ratioToNginx: Double?
}

/// Medians of one WebSocket test for one server over the rounds.
struct WSSummaryRow: Codable {
    var server: ServerRole
    var test: String
    var roundsOK = 0
    var roundsTotal = 0
    var failed = false
    var errors: [String] = []
    var msgsPerSecMedian: Double?
    var msgsPerSecAll: [Double] = []
    var payloadMBPerSecMedian: Double?
    var p50MsMedian: Double?
    var p99MsMedian: Double?
    var p999MsMedian: Double?
    var maxMsMax: Double?
    var serverCPUPctMedian: Double?
    var clientCPUPctMedian: Double?
    /// Others' CPU on the two CPUs during the runs (median, % of one CPU): high = disturbed.
    var otherCPUPctMedian: Double?
    var serverRSSKBMedian: Double?
    var bottleneck: String?
    /// Against the fastest peer (uvicorn, granian, hummingbird-ws) of the same test and run.
    var fastestPeer: String?
    var msgsRatioToFastestPeer: Double?
    /// p99 against the lowest p99 among the peers.
    var p99RatioToBestPeer: Double?
}

struct Target: Codable {
    var name: String
    var formula: String
    var value: Double?
    var target: Double?
    var met: Bool?
    var note: String?
    /// How value compares with target: nil = "≥", else "<" or "≤".
    var comparison: String?
}

struct Settings: Codable {
    var rounds: Int
    var duration: String
    var warmup: String
    var connections: Int
    var pipelineDepth: Int
    var idleConnections: Int
    var serverCPU: Int
    var clientCPU: Int
    /// CPUs an unpinned server and its wrk share (the workers-2 row).
    var sharedCPUs: String
    var scenarios: [Scenario]
    /// --baseline-binary, measured as asgi-demo-baseline.
    var baselineBinary: String?
}

struct Meta: Codable {
    var date: String
    var kernel: String
    var cpu: String
    var cpuCount: Int
    var fileLimit: UInt
    var versions: [String: String]
    var settings: Settings
    var commands: [String: String]
    var runDir: String
    var rounds: [String]
}

struct Document: Codable {
    var meta: Meta
    var summary: [SummaryRow]
    var idle: [IdleSummary]
    var websocket: [WSSummaryRow]
    var websocketIdle: [IdleSummary]
    /// The static and big-body scenarios, one row per size and server.
    var transfer: [TransferSummaryRow]
    var targets: [Target]
    var failures: [Failure]
    var runs: [LoadRun]
    var idleRuns: [IdleRun]
    var websocketRuns: [WSRun]
    var websocketIdleRuns: [IdleRun]
    var transferRuns: [LoadRun]
}

enum Summary {
    /// "Same req/s within noise": quick runs on a shared 2-core machine move a few percent.
    static let workersOneTarget = 0.95
    static let uvicornRedisAnchor = "anchor uvicorn-redis ≈ 13,926 req/s (baseline 2026-11-22)"

    /// `sharedCPUs`: how many CPUs an unpinned server and its wrk share (for the bound column).
    static func rows(_ store: ResultStore, order: [Scenario], sharedCPUs: Int) -> [SummaryRow] {
        var rows: [SummaryRow] = []
        for scenario in order where scenario.isLoad {
            for role in ServerRole.allCases {
                let runs = store.loadRuns.filter { $0.server == role && $0.scenario == scenario }
                let failures = store.failures.filter { $0.server == role && $0.scenario == scenario }
                guard !runs.isEmpty || !failures.isEmpty else { continue }
                rows.append(row(role, scenario, runs: runs, failures: failures, sharedCPUs: sharedCPUs))
            }
        }
        addRatios(&rows)
        return rows
    }

    static func row(
        _ role: ServerRole, _ scenario: Scenario, runs: [LoadRun], failures: [Failure],
        sharedCPUs: Int
    ) -> SummaryRow {
        var row = SummaryRow(server: role, scenario: scenario, label: role.label(in: scenario))
        let ok = runs.filter(\.ok)
        row.roundsTotal = runs.count
        row.roundsOK = ok.count
        row.failed = ok.isEmpty
        row.errors = failures.map(\.reason) + runs.compactMap { run in run.error.map { "round \(run.round): \($0)" } }
        guard !ok.isEmpty else { return row }
        let m = { (values: [Double?], digits: Int) in median(values).map { rounded($0, digits) } }
        row.rpsAll = ok.compactMap { $0.wrk?.rps }
        row.rpsMedian = m(ok.map { $0.wrk?.rps }, 2)
        row.p50MsMedian = m(ok.map { $0.wrk?.p50Ms }, 3)
        row.p99MsMedian = m(ok.map { $0.wrk?.p99Ms }, 3)
        row.avgMsMedian = m(ok.map { $0.wrk?.avgMs }, 3)
        row.littleMsMedian = m(ok.map(\.littleMs), 3)
        row.serverCPUPctMedian = m(ok.map(\.serverCPUPct), 1)
        row.wrkCPUPctMedian = m(ok.map(\.wrkCPUPct), 1)
        row.redisCPUPctMedian = m(ok.map(\.redisCPUPct), 1)
        row.serverRSSKBMedian = m(ok.map { $0.serverRSSKB.map(Double.init) }, 0)
        row.serverProcesses = ok.compactMap(\.serverProcesses).max()
        let traffic = ok.compactMap(\.redis)
        if !traffic.isEmpty {
            func total(_ key: KeyPath<RedisTraffic, Int?>) -> Int? {
                traffic.allSatisfy { $0[keyPath: key] != nil } ? traffic.reduce(0) { $0 + $1[keyPath: key]! } : nil
            }
            row.redis = RedisTraffic(
                commands: traffic.reduce(0) { $0 + $1.commands }, reads: total(\.reads),
                netInputBytes: total(\.netInputBytes), httpRequests: total(\.httpRequests))
        }
        let client = (row.wrkCPUPctMedian ?? 0) + (row.redisCPUPctMedian ?? 0)
        if !role.pinned {
            let total = (row.serverCPUPctMedian ?? 0) + client
            row.bottleneck = total >= 90 * Double(max(sharedCPUs, 1)) ? "cores" : client >= 90 ? "client" : nil
            return row
        }
        switch ((row.serverCPUPctMedian ?? 0) >= 90, client >= 90) {
        case (true, true): row.bottleneck = "both"
        case (true, false): row.bottleneck = "server"
        case (false, true): row.bottleneck = "client"
        default: row.bottleneck = nil
        }
        return row
    }

    /// Each candidate row against its reference row of the same run.
    private static func addRatios(_ rows: inout [SummaryRow]) {
        func find(_ role: ServerRole, _ scenario: Scenario) -> SummaryRow? {
            rows.first { $0.server == role && $0.scenario == scenario && !$0.failed }
        }
        for index in rows.indices {
            let row = rows[index]
            guard !row.failed else { continue }
            let basis: (ServerRole, Scenario)?
            switch (row.server, row.scenario) {
            case (.demo, .plaintext), (.demoBaseline, .plaintext): basis = (.nginx, .plaintext)
            case (.demo, .pipelined): basis = (.nginx, .pipelined)
            case (.demoRaw, .plaintextRaw): basis = (.nginx, .plaintext)
            case (.demo, .json): basis = (.demoRaw, .plaintextRaw)
            case (.demoRedis, .redisGet): basis = (.demo, .plaintext)
            case (.demoMetrics, .plaintext): basis = (.demo, .plaintext)
            case (.demoWorkers1, .workers), (.demoWorkers2, .workers): basis = (.demo, .workers)
            default: basis = nil
            }
            guard let basis, let other = find(basis.0, basis.1) else { continue }
            rows[index].comparedWith = basis.1 == .workers ? basis.0.label(in: .workers) : "\(basis.0.rawValue) \(basis.1.rawValue)"
            rows[index].rpsRatio = ratio(row.rpsMedian, other.rpsMedian)
            rows[index].p99Ratio = ratio(row.p99MsMedian, other.p99MsMedian)
            rows[index].littleRatio = ratio(row.littleMsMedian, other.littleMsMedian)
        }
    }

    static func ratio(_ a: Double?, _ b: Double?) -> Double? {
        guard let a, let b, b > 0 else { return nil }
        return rounded(a / b, 3)
    }

    static func targets(_ rows: [SummaryRow]) -> [Target] {
        func rps(_ role: ServerRole, _ scenario: Scenario) -> Double? {
            rows.first { $0.server == role && $0.scenario == scenario && !$0.failed }?.rpsMedian
        }
        func make(_ name: String, _ formula: String, _ value: Double?, target: Double?, note: String? = nil) -> Target {
            Target(
                name: name, formula: formula, value: value, target: target,
                met: target.flatMap { t in value.map { $0 >= t } }, note: note)
        }
        var out: [Target] = [
            make(
                "router overhead", "asgi-demo plaintext / asgi-demo-raw plaintext-raw",
                ratio(rps(.demo, .plaintext), rps(.demoRaw, .plaintextRaw)), target: 0.9),
            make(
                "json", "asgi-demo json / asgi-demo-raw plaintext-raw",
                ratio(rps(.demo, .json), rps(.demoRaw, .plaintextRaw)), target: nil),
            make(
                "redis-get", "asgi-demo-redis redis-get / asgi-demo plaintext",
                ratio(rps(.demoRedis, .redisGet), rps(.demo, .plaintext)), target: 0.5, note: uvicornRedisAnchor),
            make(
                "vs nginx plaintext", "asgi-demo plaintext / nginx plaintext",
                ratio(rps(.demo, .plaintext), rps(.nginx, .plaintext)), target: nil,
                note: "nginx plaintext is wrk-bound: its number is a floor"),
            make(
                "vs nginx pipelined", "asgi-demo pipelined / nginx pipelined",
                ratio(rps(.demo, .pipelined), rps(.nginx, .pipelined)), target: nil),
            make(
                "metrics on", "asgi-demo-metrics plaintext / asgi-demo plaintext (--metrics-port 0 against none)",
                ratio(rps(.demoMetrics, .plaintext), rps(.demo, .plaintext)), target: 0.98),
            make(
                "vs baseline plaintext", "asgi-demo plaintext / asgi-demo-baseline plaintext (--baseline-binary)",
                ratio(rps(.demo, .plaintext), rps(.demoBaseline, .plaintext)), target: nil),
        ]
        out += [
            make(
                "supervisor overhead", "workers-1 / single (workers GET /, both pinned to the server CPU)",
                ratio(rps(.demoWorkers1, .workers), rps(.demo, .workers)), target: workersOneTarget,
                note: "≈ 1.0 within noise: the supervisor is not on the request path"),
            make(
                "workers-2", "workers-2 / single (workers GET /)",
                ratio(rps(.demoWorkers2, .workers), rps(.demo, .workers)), target: nil,
                note: "workers-2 and wrk share all CPUs, single has a CPU to itself: not a scaling measurement"),
        ]
        out.removeAll { $0.value == nil }
        return out
    }

    static func idle(_ store: ResultStore, connections: Int) -> [IdleSummary] {
        idle(store.idleRuns, failures: store.failures.filter { $0.scenario == .idle }, connections: connections)
    }

    static func idle(_ allRuns: [IdleRun], failures allFailures: [Failure], connections: Int) -> [IdleSummary] {
        var out: [IdleSummary] = []
        for role in ServerRole.allCases {
            let runs = allRuns.filter { $0.server == role }
            let failures = allFailures.filter { $0.server == role }
            guard !runs.isEmpty || !failures.isEmpty else { continue }
            var row = IdleSummary(server: role, connections: connections)
            let ok = runs.filter(\.ok)
            row.roundsTotal = runs.count
            row.roundsOK = ok.count
            row.failed = ok.isEmpty
            row.errors = failures.map(\.reason) + runs.compactMap { run in run.error.map { "round \(run.round): \($0)" } }
            row.rssBeforeKBMedian = median(ok.map { Double($0.rssBeforeKB) })
            row.rssAfterKBMedian = median(ok.map { Double($0.rssAfterKB) })
            row.bytesPerConnectionMedian = median(ok.map { $0.bytesPerConnection.map(Double.init) })
            row.bytesPerConnectionAll = ok.compactMap(\.bytesPerConnection)
            row.connectionsOKMin = runs.map(\.connectionsOK).min()
            out.append(row)
        }
        if let nginx = out.first(where: { $0.server == .nginx })?.bytesPerConnectionMedian {
            for i in out.indices where out[i].server != .nginx {
                out[i].ratioToNginx = ratio(out[i].bytesPerConnectionMedian, nginx)
            }
        }
        return out
    }

    // MARK: websocket

    static func webSocket(_ store: ResultStore, tests: [String]) -> [WSSummaryRow] {
        var rows: [WSSummaryRow] = []
        for test in tests {
            for role in ServerRole.webSocketServers {
                let runs = store.wsRuns.filter { $0.server == role && $0.test == test }
                let failures = store.failures.filter { $0.server == role && $0.scenario == .websocket }
                guard !runs.isEmpty || !failures.isEmpty else { continue }
                var row = WSSummaryRow(server: role, test: test)
                let ok = runs.filter(\.ok)
                row.roundsTotal = runs.count
                row.roundsOK = ok.count
                row.failed = ok.isEmpty
                row.errors = failures.map(\.reason) + runs.compactMap { run in run.error.map { "round \(run.round): \($0)" } }
                if !ok.isEmpty {
                    let m = { (values: [Double?], digits: Int) in median(values).map { rounded($0, digits) } }
                    row.msgsPerSecAll = ok.compactMap { $0.result?.msgsPerSec }
                    row.msgsPerSecMedian = m(ok.map { $0.result?.msgsPerSec }, 1)
                    row.payloadMBPerSecMedian = m(ok.map { $0.result?.payloadMBPerSec }, 2)
                    row.p50MsMedian = m(ok.map { $0.result?.latency.map { $0.p50Us / 1000 } }, 3)
                    row.p99MsMedian = m(ok.map { $0.result?.latency.map { $0.p99Us / 1000 } }, 3)
                    row.p999MsMedian = m(ok.map { $0.result?.latency.map { $0.p999Us / 1000 } }, 3)
                    row.maxMsMax = ok.compactMap { $0.result?.latency.map { $0.maxUs / 1000 } }.max().map { rounded($0, 3) }
                    row.serverCPUPctMedian = m(ok.map(\.serverCPUPct), 1)
                    row.clientCPUPctMedian = m(ok.map(\.clientCPUPct), 1)
                    row.otherCPUPctMedian = m(ok.map(\.otherCPUPct), 1)
                    row.serverRSSKBMedian = m(ok.map { $0.serverRSSKB.map(Double.init) }, 0)
                    switch ((row.serverCPUPctMedian ?? 0) >= 90, (row.clientCPUPctMedian ?? 0) >= 90) {
                    case (true, true): row.bottleneck = "both"
                    case (true, false): row.bottleneck = "server"
                    case (false, true): row.bottleneck = "client"
                    default: row.bottleneck = nil
                    }
                }
                rows.append(row)
            }
        }
        for test in tests {
            let peers = rows.filter { $0.test == test && $0.server.isPeer && !$0.failed }
            guard let fastest = peers.max(by: { ($0.msgsPerSecMedian ?? 0) < ($1.msgsPerSecMedian ?? 0) }) else { continue }
            let bestP99 = peers.compactMap(\.p99MsMedian).min()
            for i in rows.indices where rows[i].test == test && !rows[i].failed {
                rows[i].fastestPeer = fastest.server.rawValue
                rows[i].msgsRatioToFastestPeer = ratio(rows[i].msgsPerSecMedian, fastest.msgsPerSecMedian)
                rows[i].p99RatioToBestPeer = ratio(rows[i].p99MsMedian, bestP99)
            }
        }
        return rows
    }

    /// The aims: ≥ 2× the fastest peer in echo msgs/s, p99 below every peer's, ≤ 2 KiB per idle WebSocket.
    static func webSocketTargets(_ rows: [WSSummaryRow], idle: [IdleSummary], echo: String, stream: String) -> [Target] {
        func row(_ role: ServerRole, _ test: String) -> WSSummaryRow? {
            rows.first { $0.server == role && $0.test == test && !$0.failed }
        }
        func make(
            _ name: String, _ formula: String, _ value: Double?, target: Double?, comparison: String? = nil,
            note: String? = nil
        ) -> Target {
            let met: Bool? = target.flatMap { t in
                value.map { v in comparison == "<" ? v < t : comparison == "≤" ? v <= t : v >= t }
            }
            return Target(name: name, formula: formula, value: value, target: target, met: met, note: note, comparison: comparison)
        }
        let fastest = row(.demo, echo)?.fastestPeer ?? "fastest peer"
        let bestIdle = idle.filter { $0.server.isPeer && !$0.failed }.compactMap(\.bytesPerConnectionMedian).min()
        var out = [
            make("ws echo msgs/s", "asgi-demo \(echo) msgs/s / \(fastest)", row(.demo, echo)?.msgsRatioToFastestPeer, target: 2.0),
            make(
                "ws echo p99", "asgi-demo \(echo) p99 / lowest peer p99", row(.demo, echo)?.p99RatioToBestPeer,
                target: 1.0, comparison: "<"),
            make(
                "ws raw echo msgs/s", "asgi-demo-raw \(echo) msgs/s / \(row(.demoRaw, echo)?.fastestPeer ?? "fastest peer")",
                row(.demoRaw, echo)?.msgsRatioToFastestPeer, target: nil),
            make(
                "ws router/raw echo", "asgi-demo \(echo) / asgi-demo-raw \(echo)",
                ratio(row(.demo, echo)?.msgsPerSecMedian, row(.demoRaw, echo)?.msgsPerSecMedian), target: nil),
            make(
                "ws stream MB/s", "asgi-demo \(stream) MB/s / \(row(.demo, stream)?.fastestPeer ?? "fastest peer")",
                row(.demo, stream)?.msgsRatioToFastestPeer, target: nil),
            make(
                "ws idle B/WebSocket", "asgi-demo RSS per idle WebSocket, bytes",
                idle.first { $0.server == .demo && !$0.failed }?.bytesPerConnectionMedian, target: 2048, comparison: "≤",
                note: bestIdle.map { "lowest peer \(Int($0)) B" }),
        ]
        out.removeAll { $0.value == nil }
        return out
    }
}
