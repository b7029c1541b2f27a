// Running wrk (pinned), accounting CPU of wrk and of the loaded process tree, parsing --latency output.
import Foundation
import Glibc

/// What wrk printed, in milliseconds and requests per second.
struct WrkOutput: Codable, Sendable {
    var rps: Double?
    var requests: Int?
    var avgMs: Double?
    var p50Ms: Double?
    var p75Ms: Double?
    var p90Ms: Double?
    var p99Ms: Double?
    var socketErrors = 0
    var non2xx = 0
    /// wrk's Transfer/sec (bytes read, headers included) in 10^6 bytes per second.
    var transferMBPerSec: Double?
}

enum WrkParser {
    static func parse(_ text: String) -> WrkOutput {
        var out = WrkOutput()
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let first = words.first else { continue }
            if line.hasPrefix("Requests/sec:"), words.count >= 2 {
                out.rps = Double(words[1])
            } else if line.hasPrefix("Transfer/sec:"), words.count >= 2 {
                out.transferMBPerSec = bytes(words[1]).map { rounded($0 / 1e6, 2) }
            } else if first == "Latency", words.count >= 2, words[1] != "Distribution" {
                out.avgMs = milliseconds(words[1])
            } else if words.count >= 2, ["50%", "75%", "90%", "99%"].contains(first) {
                let value = milliseconds(words[1])
                switch first {
                case "50%": out.p50Ms = value
                case "75%": out.p75Ms = value
                case "90%": out.p90Ms = value
                default: out.p99Ms = value
                }
            } else if words.count >= 3, words[1] == "requests", words[2] == "in" {
                out.requests = Int(first)
            } else if line.hasPrefix("Socket errors:") {
                // Socket errors: connect 0, read 0, write 0, timeout 0
                out.socketErrors = words.compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
                    .reduce(0, +)
            } else if line.hasPrefix("Non-2xx or 3xx responses:") {
                out.non2xx = Int(words.last ?? "") ?? 0
            }
        }
        return out
    }

    /// wrk's binary units: "512.00B", "1.50KB", "3.25MB", "1.10GB", "1.00TB" → bytes.
    static func bytes(_ token: String) -> Double? {
        let units: [(String, Double)] = [
            ("KB", 1024), ("MB", 1_048_576), ("GB", 1_073_741_824),
            ("TB", 1_099_511_627_776), ("B", 1),
        ]
        for (suffix, factor) in units where token.hasSuffix(suffix) {
            guard let value = Double(token.dropLast(suffix.count)) else { return nil }
            return value * factor
        }
        return nil
    }

    /// "238.00us", "1.29ms", "1.00s", "2.00m", "1.00h" → milliseconds.
    static func milliseconds(_ token: String) -> Double? {
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, factor) in units where token.hasSuffix(suffix) {
            guard let value = Double(token.dropLast(suffix.count)) else { return nil }
            return value * factor
        }
        return nil
    }

    /// Drops latency numbers wrk gets wrong. Pipelined: one sample per batch plus per-response
    /// coordinated-omission correction → percentiles and mean meaningless (wg/wrk#236, #354).
    /// Otherwise: a distribution with zeros or not increasing. Returns the reason, if any.
    static func invalidateLatency(_ out: inout WrkOutput, pipelined: Bool) -> String? {
        if pipelined {
            out.p50Ms = nil; out.p75Ms = nil; out.p90Ms = nil; out.p99Ms = nil; out.avgMs = nil
            return "pipelined: wrk latency not valid (CO correction per response); see little_ms"
        }
        let values = [out.p50Ms, out.p75Ms, out.p90Ms, out.p99Ms]
        let known = values.compactMap { $0 }
        if known.count != values.count || known.contains(where: { $0 <= 0 }) || known != known.sorted() {
            out.p50Ms = nil; out.p75Ms = nil; out.p90Ms = nil; out.p99Ms = nil
            return "wrk printed a zero/invalid latency distribution; see little_ms"
        }
        return nil
    }
}

/// One wrk run and the CPU it and the server used.
struct WrkMeasurement {
    var output: WrkOutput
    var status: Int32
    var wallSeconds: Double
    var serverCPUPct: Double
    var wrkCPUPct: Double
    var extraCPUPct: Double?
    /// RSS summed over the server's process tree right after the run, and the tree's size.
    var serverRSSKB: Int
    var serverProcesses: Int
    var text: String
}

enum WrkRunner {
    /// taskset -c CPUS wrk -t1 -cN -dD --latency [-s script] URL [-- depth]; CPUS is one CPU, or
    /// every CPU of the run for an unpinned client (taskset still needed: the driver is pinned).
    static func command(
        wrk: String, cpus: String, connections: Int, duration: String, url: String,
        script: String? = nil, depth: Int? = nil, latency: Bool = true
    ) -> [String] {
        var argv = ["taskset", "-c", cpus, wrk, "-t1", "-c\(connections)", "-d\(duration)"]
        if latency { argv.append("--latency") }
        if let script { argv += ["-s", script] }
        argv.append(url)
        if let depth { argv += ["--", String(depth)] }
        return argv
    }

    /// Runs wrk; server CPU is the utime+stime of `serverRoot`'s tree (as it was at the start)
    /// over the wall time, wrk's is from wait4's rusage (taskset execs wrk, so it is the same PID).
    static func run(_ argv: [String], serverRoot: pid_t, extraRoot: pid_t?, rawPath: String) throws -> WrkMeasurement {
        let serverPids = ProcFS.treePids(serverRoot)
        let extraPids = extraRoot.map(ProcFS.treePids) ?? []
        let serverBefore = ProcFS.cpuTicks(serverPids)
        let extraBefore = ProcFS.cpuTicks(extraPids)
        try? FileManager.default.removeItem(atPath: rawPath)
        let start = Date()
        let pid = try Children.start(argv, output: rawPath)
        let (status, usage) = Children.wait(pid)
        let wall = max(Date().timeIntervalSince(start), 0.001)
        let serverSeconds = Double(ProcFS.cpuTicks(serverPids) - serverBefore) / ProcFS.clockTicksPerSecond
        let extraSeconds = Double(ProcFS.cpuTicks(extraPids) - extraBefore) / ProcFS.clockTicksPerSecond
        let wrkSeconds = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        let treeAfter = ProcFS.treePids(serverRoot)
        let text = (try? String(contentsOfFile: rawPath, encoding: .utf8)) ?? ""
        return WrkMeasurement(
            output: WrkParser.parse(text), status: status, wallSeconds: wall,
            serverCPUPct: 100 * serverSeconds / wall, wrkCPUPct: 100 * wrkSeconds / wall,
            extraCPUPct: extraRoot == nil ? nil : 100 * extraSeconds / wall,
            serverRSSKB: treeAfter.reduce(0) { $0 + ProcFS.rssKB($1) }, serverProcesses: treeAfter.count, text: text)
    }

    static func seconds(_ tv: timeval) -> Double { Double(tv.tv_sec) + Double(tv.tv_usec) / 1_000_000 }
}

extension LoadRun {
    /// Takes one wrk run against `server`: its numbers, then `ok`, or the first thing wrong in
    /// `error` (wrk failed or printed no req/s, non-2xx/3xx answers, the server gone).
    mutating func record(_ measured: WrkMeasurement, server: RunningServer, pipelined: Bool) {
        var output = measured.output
        latencyNote = WrkParser.invalidateLatency(&output, pipelined: pipelined)
        wrk = output
        exitStatus = Children.describe(status: measured.status)
        serverCPUPct = rounded(measured.serverCPUPct, 1)
        wrkCPUPct = rounded(measured.wrkCPUPct, 1)
        redisCPUPct = measured.extraCPUPct.map { rounded($0, 1) }
        serverRSSKB = measured.serverRSSKB
        serverProcesses = measured.serverProcesses
        if !Children.exitedCleanly(measured.status) || output.rps == nil {
            error = "wrk \(exitStatus ?? "failed"): \(measured.text.split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | "))"
            rawOutput = measured.text
        } else if output.non2xx > 0 {
            error = "\(output.non2xx) non-2xx/3xx responses"
        } else if !ProcFS.isRunning(server.pid) {
            error = "server exited during the run" + ServerLauncher.logTail(server.logPath)
        } else {
            ok = true
        }
    }
}
