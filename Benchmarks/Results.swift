// What every run produced, kept for the summary and the JSON document.
import Foundation

/// Redis traffic during one redis-get run (INFO stats after − before, minus our own INFO).
struct RedisTraffic: Codable, Sendable {
    var commands: Int
    var reads: Int?
    var netInputBytes: Int?
    var httpRequests: Int?
    var commandsPerRead: Double?
    var commandsPerRequest: Double?
    var inputBytesPerCommand: Double?

    init(commands: Int, reads: Int?, netInputBytes: Int?, httpRequests: Int?) {
        self.commands = commands
        self.reads = reads
        self.netInputBytes = netInputBytes
        self.httpRequests = httpRequests
        commandsPerRead = reads.flatMap { $0 > 0 ? rounded(Double(commands) / Double($0), 3) : nil }
        commandsPerRequest = httpRequests.flatMap { $0 > 0 ? rounded(Double(commands) / Double($0), 3) : nil }
        inputBytesPerCommand = netInputBytes.flatMap { commands > 0 ? rounded(Double($0) / Double(commands), 1) : nil }
    }

    /// Difference of two INFO stats snapshots, without our INFO traffic: one command (the first
    /// INFO), two reads (its connection close, the second INFO) and the second INFO's bytes.
    static func between(_ before: [String: Int], _ after: [String: Int], httpRequests: Int?) -> RedisTraffic? {
        guard let c0 = before["total_commands_processed"], let c1 = after["total_commands_processed"] else { return nil }
        func delta(_ key: String, minus: Int) -> Int? {
            guard let a = before[key], let b = after[key] else { return nil }
            return max(b - a - minus, 0)
        }
        return RedisTraffic(
            commands: max(c1 - c0 - 1, 0),
            reads: delta("total_reads_processed", minus: 2),
            netInputBytes: delta("total_net_input_bytes", minus: RedisClient.infoRequestBytes),
            httpRequests: httpRequests)
    }
}

/// One wrk run (or a run that could not happen: `ok` false, `error` set).
struct LoadRun: Codable, Sendable {
    var server: ServerRole
    var scenario: Scenario
    /// The size measured in the static and big-body scenarios (static-1k, …, big-body); nil elsewhere.
    var test: String?
    var round: Int
    var ok: Bool
    var error: String?
    var command: String?
    var exitStatus: String?
    var loadavg: String
    var wrk: WrkOutput?
    var latencyNote: String?
    var littleMs: Double?
    var serverCPUPct: Double?
    var wrkCPUPct: Double?
    var redisCPUPct: Double?
    /// Summed over the server's process tree (supervisor + workers) right after the run.
    var serverRSSKB: Int?
    var serverProcesses: Int?
    var redis: RedisTraffic?
    var rawOutput: String?
}

/// One idle-connection measurement.
struct IdleRun: Codable, Sendable {
    var server: ServerRole
    var round: Int
    var ok: Bool
    var error: String?
    var pids: [Int32] = []
    var connectionsRequested: Int
    var connectionsOK = 0
    var connectionsAliveAtMeasure = 0
    var failures = 0
    var failureSample: [String] = []
    var openSeconds: Double = 0
    var rssBeforeKB = 0
    var rssAfterKB = 0
    var bytesPerConnection: Int?
}

/// One run of the WebSocket client against one server (`test` is echo-32, stream-65536, …).
struct WSRun: Codable, Sendable {
    var server: ServerRole
    var test: String
    var round: Int
    var ok: Bool
    var error: String?
    var command: String?
    var exitStatus: String?
    var loadavg: String
    var result: WSLoadResult?
    var serverCPUPct: Double?
    var clientCPUPct: Double?
    /// CPU time others used on the server and client CPUs during the run, in % of one CPU
    /// (busy ticks of both CPUs minus the server's and the client's own): > ~10 = a disturbed run.
    var otherCPUPct: Double?
    var serverRSSKB: Int?
    var rawOutput: String?
}

/// A scenario/server pair that could not be measured at all (or only partly).
struct Failure: Codable, Sendable {
    var server: ServerRole?
    var scenario: Scenario?
    /// Set when only one size of the static scenario (static-1k, …) failed.
    var test: String?
    var reason: String
}

final class ResultStore {
    var loadRuns: [LoadRun] = []
    var idleRuns: [IdleRun] = []
    var wsRuns: [WSRun] = []
    var wsIdleRuns: [IdleRun] = []
    /// The static and big-body runs (TransferScenarios).
    var transferRuns: [LoadRun] = []
    var failures: [Failure] = []
    var roundNotes: [String] = []
    var commands: [String: String] = [:]

    func fail(_ server: ServerRole?, _ scenario: Scenario?, test: String? = nil, _ reason: String) {
        failures.append(Failure(server: server, scenario: scenario, test: test, reason: reason))
        let who = [server?.rawValue, test ?? scenario?.rawValue].compactMap { $0 }.joined(separator: " ")
        print("!!! FAILED \(who): \(reason)")
    }
}

func median(_ values: [Double?]) -> Double? {
    let sorted = values.compactMap { $0 }.sorted()
    guard !sorted.isEmpty else { return nil }
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

func rounded(_ value: Double, _ digits: Int) -> Double {
    let factor = pow(10, Double(digits))
    return (value * factor).rounded() / factor
}
