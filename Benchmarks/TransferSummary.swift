// The static and big-body scenarios' medians, ratios, targets and table.
import Foundation

/// Medians of one size (static-1k, …, big-body) for one server over the rounds: the load
/// scenarios' row (`load`, whose fields read through) plus what only transfers have.
@dynamicMemberLookup
struct TransferSummaryRow: Codable {
    var test: String
    var bodyBytes: Int
    var load: SummaryRow
    /// wrk's Transfer/sec (headers included), 10^6 bytes per second.
    var transferMBPerSecMedian: Double?
    /// Server CPU time per request in microseconds (CPU % ÷ req/s): what a client-bound run's
    /// req/s cannot show.
    var serverCPUMicrosPerRequest: Double?
    /// req/s and p99 against nginx's of the same size, req/s against uvicorn's (static only); every
    /// row but the reference's own.
    var rpsRatioToNginx: Double?
    var p99RatioToNginx: Double?
    var rpsRatioToUvicorn: Double?
    /// asgi-demo's req/s and server CPU per request against asgi-demo-baseline's (--baseline-binary).
    var rpsRatioToBaseline: Double?
    var cpuPerRequestRatioToBaseline: Double?

    subscript<T>(dynamicMember key: KeyPath<SummaryRow, T>) -> T { load[keyPath: key] }
}

enum TransferSummary {
    /// The aim for big-body: the current build's req/s against the baseline build's.
    static let baselineTarget = 1.3

    static func rows(_ store: ResultStore, tests: [TransferTest]) -> [TransferSummaryRow] {
        var rows: [TransferSummaryRow] = []
        for test in tests {
            for role in ServerRole.allCases {
                let runs = store.transferRuns.filter { $0.server == role && $0.test == test.name }
                let failures = store.failures.filter {
                    $0.server == role && $0.scenario == test.scenario && ($0.test == nil || $0.test == test.name)
                }
                guard !runs.isEmpty || !failures.isEmpty else { continue }
                rows.append(row(role, test, runs: runs, failures: failures))
            }
        }
        for test in tests {
            func reference(_ role: ServerRole) -> TransferSummaryRow? {
                rows.first { $0.server == role && $0.test == test.name && !$0.failed }
            }
            let nginx = reference(.nginx)
            let uvicorn = reference(.uvicorn)
            let baseline = reference(.demoBaseline)
            for i in rows.indices where rows[i].test == test.name && !rows[i].failed {
                let role = rows[i].server
                if let nginx, role != .nginx {
                    rows[i].rpsRatioToNginx = Summary.ratio(rows[i].rpsMedian, nginx.rpsMedian)
                    rows[i].p99RatioToNginx = Summary.ratio(rows[i].p99MsMedian, nginx.p99MsMedian)
                }
                if let uvicorn, role != .uvicorn {
                    rows[i].rpsRatioToUvicorn = Summary.ratio(rows[i].rpsMedian, uvicorn.rpsMedian)
                }
                if let baseline, role == .demo {
                    rows[i].rpsRatioToBaseline = Summary.ratio(rows[i].rpsMedian, baseline.rpsMedian)
                    rows[i].cpuPerRequestRatioToBaseline = Summary.ratio(
                        rows[i].serverCPUMicrosPerRequest, baseline.serverCPUMicrosPerRequest)
                }
            }
        }
        return rows
    }

    private static func row(_ role: ServerRole, _ test: TransferTest, runs: [LoadRun], failures: [Failure]) -> TransferSummaryRow {
        let load = Summary.row(role, test.scenario, runs: runs, failures: failures, sharedCPUs: 1)
        var row = TransferSummaryRow(test: test.name, bodyBytes: test.size, load: load)
        let ok = runs.filter(\.ok)
        row.transferMBPerSecMedian = median(ok.map { $0.wrk?.transferMBPerSec }).map { rounded($0, 2) }
        if let cpu = load.serverCPUPctMedian, let rps = load.rpsMedian, rps > 0 {
            row.serverCPUMicrosPerRequest = rounded(cpu / 100 * 1_000_000 / rps, 1)
        }
        return row
    }

    /// asgi-demo against nginx and uvicorn per size, and against the baseline build for big-body.
    static func targets(_ rows: [TransferSummaryRow], tests: [TransferTest]) -> [Target] {
        var out: [Target] = []
        for test in tests {
            guard let demo = rows.first(where: { $0.server == .demo && $0.test == test.name && !$0.failed }) else { continue }
            if let value = demo.rpsRatioToNginx {
                out.append(
                    Target(
                        name: "\(test.name) vs nginx", formula: "asgi-demo \(test.name) req/s / nginx \(test.name)",
                        value: value, target: nil, met: nil,
                        note: test.scenario == .bigBody ? "nginx sends the 1 MiB file with sendfile" : nil))
            }
            if let value = demo.rpsRatioToUvicorn {
                out.append(
                    Target(
                        name: "\(test.name) vs uvicorn",
                        formula: "asgi-demo \(test.name) req/s / uvicorn (Starlette StaticFiles) \(test.name)",
                        value: value, target: nil, met: nil))
            }
            if let value = demo.rpsRatioToBaseline {
                let target = test.scenario == .bigBody ? baselineTarget : nil
                out.append(
                    Target(
                        name: "\(test.name) vs baseline",
                        formula: "asgi-demo \(test.name) req/s / asgi-demo-baseline \(test.name) (--baseline-binary)",
                        value: value, target: target, met: target.map { value >= $0 }))
            }
            if let value = demo.cpuPerRequestRatioToBaseline {
                out.append(
                    Target(
                        name: "\(test.name) CPU/req vs baseline",
                        formula: "asgi-demo server CPU µs per request / asgi-demo-baseline's (lower is better)",
                        value: value, target: nil, met: nil))
            }
        }
        return out
    }
}

extension Report {
    static func printTransfer(_ rows: [TransferSummaryRow], connections: Int) {
        guard !rows.isEmpty else { return }
        print("")
        print("static and big-body: \(connections) keep-alive connections, wrk pinned to the client CPU, servers to the server CPU")
        print(
            pad("server", 18, left: true), pad("test", 11, left: true), pad("req/s", 10), pad("MB/s", 8), pad("p50 ms", 7),
            pad("p99 ms", 7), pad("srv CPU%", 8), pad("wrk CPU%", 8), pad("bound", 6), pad("× nginx", 7),
            pad("p99 ×", 6), pad("× uvicorn", 9), pad("× base", 6), pad("µs/req", 7), "  rounds (req/s)")
        for row in rows {
            var line = [pad(row.server.rawValue, 18, left: true), pad(row.test, 11, left: true)]
            if row.failed {
                line.append("FAILED: \(short(row.errors.first ?? "no successful round"))")
                print(line.joined(separator: " "))
                continue
            }
            line += [
                pad(grouped(row.rpsMedian), 10), pad(fixed(row.transferMBPerSecMedian, 1), 8),
                pad(fixed(row.p50MsMedian), 7), pad(fixed(row.p99MsMedian), 7),
                pad(fixed(row.serverCPUPctMedian, 0), 8), pad(fixed(row.wrkCPUPctMedian, 0), 8),
                pad(row.bottleneck ?? "-", 6), pad(row.rpsRatioToNginx.map { fixed($0, 2) } ?? "-", 7),
                pad(row.p99RatioToNginx.map { fixed($0, 2) } ?? "-", 6),
                pad(row.rpsRatioToUvicorn.map { fixed($0, 2) } ?? "-", 9),
                pad(row.rpsRatioToBaseline.map { fixed($0, 2) } ?? "-", 6),
                pad(fixed(row.serverCPUMicrosPerRequest, 1), 7),
            ]
            var tail = "  " + row.rpsAll.map { grouped($0) }.joined(separator: ", ")
            if row.roundsOK < row.roundsTotal { tail += "  (\(row.roundsTotal - row.roundsOK) round(s) failed)" }
            print(line.joined(separator: " ") + tail)
        }
        print("  MB/s = wrk's Transfer/sec, headers included (10^6 B); × nginx, × uvicorn = req/s ÷ theirs for the same size;")
        print("  p99 × = p99 ÷ nginx's; × base = asgi-demo req/s ÷ asgi-demo-baseline's (--baseline-binary);")
        print("  µs/req = server CPU time per request (srv CPU% ÷ req/s), which a client-bound run's req/s hides.")
        print("  static-N: GET /static/<N file> (random bytes); big-body: asgi-demo GET /bytes?n=1048576 (in memory),")
        print("  nginx GET /static/1m.bin (sendfile).")
    }

    /// The failures list's lines for static / big-body rows with some failed rounds.
    static func transferFailureLines(_ rows: [TransferSummaryRow], known: [Failure]) -> [String] {
        var out: [String] = []
        for row in rows where row.roundsOK < row.roundsTotal {
            for e in row.errors where !known.contains(where: { $0.reason == e }) {
                out.append("  \(row.server.rawValue) \(row.test): \(e)")
            }
        }
        return out
    }
}
