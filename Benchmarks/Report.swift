// Human-readable output: one line per run while measuring, then the median tables and targets.
import Foundation

enum Report {
    static func grouped(_ value: Double?) -> String {
        guard let value else { return "-" }
        let digits = String(Int(value.rounded()))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func fixed(_ value: Double?, _ digits: Int = 3) -> String {
        guard let value else { return "-" }
        return String(format: "%.\(digits)f", value)
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let fill = String(repeating: " ", count: width - count)
        return left ? text + fill : fill + text
    }

    /// Table cells keep the first 100 characters; the failures list has the whole text.
    static func short(_ text: String) -> String { text.count > 100 ? text.prefix(99) + "…" : text }

    static func runLine(_ run: LoadRun) -> String {
        let head =
            "  \(pad(run.server.label(in: run.scenario), 18, left: true)) \(pad(run.test ?? run.scenario.rawValue, 14, left: true)) r\(run.round)"
        guard let wrk = run.wrk, run.ok else { return "\(head)  FAILED: \(run.error ?? "?")" }
        let transfer = run.test != nil ? " \(pad(fixed(wrk.transferMBPerSec, 1), 8)) MB/s" : ""
        var line =
            "\(head) \(pad(grouped(wrk.rps), 10)) req/s\(transfer)  p50 \(fixed(wrk.p50Ms)) ms  p99 \(fixed(wrk.p99Ms)) ms"
            + "  Little \(fixed(run.littleMs)) ms  srv \(fixed(run.serverCPUPct, 0))%  wrk \(fixed(run.wrkCPUPct, 0))%"
        if let redis = run.redisCPUPct { line += "  redis \(fixed(redis, 0))%" }
        if let traffic = run.redis {
            line += "  redis cmds \(traffic.commands), cmds/read \(fixed(traffic.commandsPerRead, 2))"
        }
        if run.scenario == .workers, let rss = run.serverRSSKB, let count = run.serverProcesses {
            line += "  tree RSS \(grouped(Double(rss))) kB in \(count) process(es)"
        }
        if wrk.socketErrors > 0 { line += "  socket errors \(wrk.socketErrors)" }
        return line
    }

    static func idleLine(_ run: IdleRun, label: String = "idle") -> String {
        "  \(pad(run.server.rawValue, 16, left: true)) \(label)-\(run.connectionsRequested) r\(run.round)  RSS \(run.rssBeforeKB) kB -> \(run.rssAfterKB) kB"
            + " = \(run.bytesPerConnection.map(String.init) ?? "-") B/conn  (ok \(run.connectionsOK), alive \(run.connectionsAliveAtMeasure), failed \(run.failures))"
            + (run.error.map { "  FAILED: \($0)" } ?? "")
    }

    static func wsRunLine(_ run: WSRun) -> String {
        let head = "  \(pad(run.server.rawValue, 16, left: true)) \(pad(run.test, 14, left: true)) r\(run.round)"
        guard let r = run.result else { return "\(head)  FAILED: \(run.error ?? "?")" }
        var line =
            "\(head) \(pad(grouped(r.msgsPerSec), 10)) msg/s \(pad(fixed(r.payloadMBPerSec, 1), 7)) MB/s"
            + "  p50 \(fixed(r.latency.map { $0.p50Us / 1000 }))  p99 \(fixed(r.latency.map { $0.p99Us / 1000 }))"
            + "  p99.9 \(fixed(r.latency.map { $0.p999Us / 1000 })) ms  srv \(fixed(run.serverCPUPct, 0))%  cli \(fixed(run.clientCPUPct, 0))%"
            + "  other \(fixed(run.otherCPUPct, 0))%"
        if r.pingsAnswered > 0 { line += "  pings \(r.pingsAnswered)" }
        if r.closeSilent > 0 || r.closeEofs > 0 {
            line += "  close: \(r.closeHandshakes) answered, \(r.closeEofs) EOF, \(r.closeSilent) silent"
        }
        if let error = run.error { line += "  FAILED: \(error)" }
        return line
    }

    static func printWebSocket(_ rows: [WSSummaryRow], idle: [IdleSummary], connections: Int, idleConnections: Int) {
        guard !rows.isEmpty || !idle.isEmpty else { return }
        print("")
        print(
            "websocket: \(connections) connections, one message outstanding each; server pinned, client (Benchmarks ws-load) pinned;"
                + " no permessage-deflate")
        print(
            pad("server", 16, left: true), pad("test", 14, left: true), pad("msgs/s", 10), pad("MB/s", 8), pad("p50 ms", 7),
            pad("p99 ms", 7), pad("p99.9 ms", 8), pad("srv CPU%", 8), pad("cli CPU%", 8), pad("other%", 6),
            pad("bound", 6), pad("× peer", 7), pad("p99 ×", 6), "  rounds (msgs/s)")
        for row in rows {
            var line = [pad(row.server.rawValue, 16, left: true), pad(row.test, 14, left: true)]
            if row.failed {
                line.append("FAILED: \(short(row.errors.first ?? "no successful round"))")
                print(line.joined(separator: " "))
                continue
            }
            line += [
                pad(grouped(row.msgsPerSecMedian), 10), pad(fixed(row.payloadMBPerSecMedian, 1), 8),
                pad(fixed(row.p50MsMedian), 7), pad(fixed(row.p99MsMedian), 7), pad(fixed(row.p999MsMedian), 8),
                pad(fixed(row.serverCPUPctMedian, 0), 8), pad(fixed(row.clientCPUPctMedian, 0), 8),
                pad(fixed(row.otherCPUPctMedian, 0), 6),
                pad(row.bottleneck ?? "-", 6), pad(row.msgsRatioToFastestPeer.map { fixed($0, 2) } ?? "-", 7),
                pad(row.p99RatioToBestPeer.map { fixed($0, 2) } ?? "-", 6),
            ]
            var tail = "  " + row.msgsPerSecAll.map { grouped($0) }.joined(separator: ", ")
            if row.roundsOK < row.roundsTotal { tail += "  (\(row.roundsTotal - row.roundsOK) round(s) failed)" }
            print(line.joined(separator: " ") + tail)
        }
        var fastest: [String] = []
        for row in rows where row.fastestPeer != nil && !fastest.contains(where: { $0.hasPrefix(row.test + ":") }) {
            fastest.append("\(row.test): \(row.fastestPeer!)")
        }
        print(
            "  MB/s = echoed payload per second, one direction (10^6 B); × peer = msgs/s ÷ the fastest peer's of the same test"
                + (fastest.isEmpty ? "" : " (\(fastest.joined(separator: ", ")))") + "; p99 × = p99 ÷ the lowest peer p99.")
        print("  latency = send of a message to the end of its echo, per connection, closed loop (no coordinated-omission correction).")
        print("  other% = CPU that other processes used on the two CPUs during the run (% of one CPU); with bound '-' and other%")
        print("  well above ~10 the server did not have its core: such rows do not compare (a multi-threaded server gets more of")
        print("  a shared core than a single-threaded one).")
        if !idle.isEmpty {
            print("")
            print(
                pad("server", 16, left: true), pad("scenario", 14, left: true), pad("RSS before kB", 14),
                pad("RSS after kB", 13), pad("bytes/ws", 11), "  rounds (bytes per idle WebSocket)")
            for row in idle {
                let head = [pad(row.server.rawValue, 16, left: true), pad("idle-ws-\(idleConnections)", 14, left: true)]
                if row.failed {
                    print((head + ["FAILED: \(short(row.errors.first ?? "no successful round"))"]).joined(separator: " "))
                    continue
                }
                print(
                    (head + [
                        pad(grouped(row.rssBeforeKBMedian), 14), pad(grouped(row.rssAfterKBMedian), 13),
                        pad(grouped(row.bytesPerConnectionMedian), 11),
                    ]).joined(separator: " ")
                        + "  " + row.bytesPerConnectionAll.map(String.init).joined(separator: ", ")
                        + (row.roundsOK < row.roundsTotal ? "  (\(row.roundsTotal - row.roundsOK) round(s) failed)" : ""))
            }
            print("  each WebSocket: handshake (no extension offered) + one 32-byte text echo, then idle; RSS of the server's process tree.")
        }
    }

    static func printTables(
        rows: [SummaryRow], idle: [IdleSummary], targets: [Target], failures: [Failure], connections: Int,
        webSocket: [WSSummaryRow] = [], webSocketIdle: [IdleSummary] = [], webSocketConnections: Int = 0,
        transfer: [TransferSummaryRow] = [], loadConnections: Int = 0
    ) {
        if !rows.isEmpty {
            print("")
            print(
                pad("server", 18, left: true), pad("scenario", 14, left: true), pad("req/s", 10), pad("p50 ms", 7),
                pad("p99 ms", 7), pad("avg ms", 7), pad("Little ms", 9), pad("srv CPU%", 8), pad("wrk CPU%", 8),
                pad("bound", 6), pad("rps ×", 6), pad("p99 ×", 7), "  vs / rounds (req/s)")
            for row in rows {
                var line = [pad(row.label, 18, left: true), pad(row.scenario.rawValue, 14, left: true)]
                if row.failed {
                    line.append("FAILED: \(short(row.errors.first ?? "no successful round"))")
                    print(line.joined(separator: " "))
                    continue
                }
                let p99Ratio = row.p99Ratio.map { fixed($0, 2) } ?? row.littleRatio.map { fixed($0, 2) + "L" } ?? "-"
                line += [
                    pad(grouped(row.rpsMedian), 10), pad(fixed(row.p50MsMedian), 7), pad(fixed(row.p99MsMedian), 7),
                    pad(fixed(row.avgMsMedian), 7), pad(fixed(row.littleMsMedian), 9),
                    pad(fixed(row.serverCPUPctMedian, 0), 8), pad(fixed(row.wrkCPUPctMedian, 0), 8),
                    pad(row.bottleneck ?? "-", 6), pad(row.rpsRatio.map { fixed($0, 2) } ?? "-", 6), pad(p99Ratio, 7),
                ]
                var tail = "  " + (row.comparedWith.map { "vs \($0); " } ?? "") + row.rpsAll.map { grouped($0) }.joined(separator: ", ")
                if let redis = row.redisCPUPctMedian { tail += "  redis CPU \(fixed(redis, 0))%" }
                if row.scenario == .workers, let rss = row.serverRSSKBMedian, let count = row.serverProcesses {
                    tail += "  tree RSS \(grouped(rss)) kB, \(count) proc"
                }
                if row.roundsOK < row.roundsTotal { tail += "  (\(row.roundsTotal - row.roundsOK) round(s) failed)" }
                print(line.joined(separator: " ") + tail)
            }
            print("  Little ms = connections × requests per write ÷ req/s; p99 × with L = Little-ms ratio (pipelined: wrk latency invalid).")
            print("  bound: who was at ≥ 90 % CPU (client = wrk, plus redis-server on the same CPU); '-' = neither:")
            print("  a server waiting on something (e.g. Redis round trips) or other load on this machine (see loadavg in the JSON).")
            if rows.contains(where: { $0.scenario == .workers }) {
                print("  workers: single = no --workers, workers-N = --workers N (supervisor + N workers on one listening socket);")
                print("  single and workers-1 on the server CPU with wrk on the client CPU; workers-2 and its wrk unpinned, sharing")
                print("  every CPU (bound 'cores' = together ≥ 90 % of them): NOT a scaling measurement. CPU and RSS: whole process tree.")
            }
        }
        if let traffic = rows.first(where: { $0.scenario == .redisGet && !$0.failed })?.redis {
            print(
                "  redis traffic (all rounds): \(traffic.commands) commands in \(traffic.reads.map(String.init) ?? "?") reads"
                    + " = \(fixed(traffic.commandsPerRead, 2)) commands per Redis read, \(fixed(traffic.commandsPerRequest, 3)) per HTTP request"
                    + ", \(fixed(traffic.inputBytesPerCommand, 1)) input bytes per command")
        }
        printTransfer(transfer, connections: loadConnections)
        if !idle.isEmpty {
            print("")
            print(
                pad("server", 16, left: true), pad("scenario", 14, left: true), pad("RSS before kB", 14),
                pad("RSS after kB", 13), pad("bytes/conn", 11), pad("× nginx", 8), "  rounds (bytes/conn)")
            for row in idle {
                let head = [pad(row.server.rawValue, 16, left: true), pad("idle-\(connections)", 14, left: true)]
                if row.failed {
                    print((head + ["FAILED: \(short(row.errors.first ?? "no successful round"))"]).joined(separator: " "))
                    continue
                }
                print(
                    (head + [
                        pad(grouped(row.rssBeforeKBMedian), 14), pad(grouped(row.rssAfterKBMedian), 13),
                        pad(grouped(row.bytesPerConnectionMedian), 11), pad(row.ratioToNginx.map { fixed($0, 2) } ?? "-", 8),
                    ])
                    .joined(separator: " ") + "  " + row.bytesPerConnectionAll.map(String.init).joined(separator: ", ")
                        + (row.roundsOK < row.roundsTotal ? "  (\(row.roundsTotal - row.roundsOK) round(s) failed)" : ""))
            }
        }
        printWebSocket(webSocket, idle: webSocketIdle, connections: webSocketConnections, idleConnections: connections)
        if !targets.isEmpty {
            print("")
            print("ratios (medians of this run):")
            for t in targets {
                var line = "  \(pad(t.name, 22, left: true)) \(pad(fixed(t.value, 3), 6))  \(t.formula)"
                if let target = t.target {
                    line += "  target \(t.comparison ?? "≥") \(fixed(target, 2)): \(t.met == true ? "met" : "NOT met")"
                }
                if let note = t.note { line += "  [\(note)]" }
                print(line)
            }
        }
        let wsPartial = webSocket.filter { $0.roundsOK < $0.roundsTotal }
        let transferLines = transferFailureLines(transfer, known: failures)
        if !failures.isEmpty || rows.contains(where: \.failed) || idle.contains(where: \.failed) || !wsPartial.isEmpty
            || webSocketIdle.contains(where: { $0.roundsOK < $0.roundsTotal }) || !transferLines.isEmpty
        {
            print("")
            print("failures:")
            for f in failures {
                print("  \([f.server?.rawValue, f.test ?? f.scenario?.rawValue].compactMap { $0 }.joined(separator: " ")): \(f.reason)")
            }
            for line in transferLines { print(line) }
            for row in rows where row.roundsOK < row.roundsTotal {
                for e in row.errors where !failures.contains(where: { $0.reason == e }) {
                    print("  \(row.server.rawValue) \(row.scenario.rawValue): \(e)")
                }
            }
            for row in idle where row.roundsOK < row.roundsTotal {
                for e in row.errors where !failures.contains(where: { $0.reason == e }) {
                    print("  \(row.server.rawValue) idle: \(e)")
                }
            }
            for row in wsPartial {
                for e in row.errors where !failures.contains(where: { $0.reason == e }) {
                    print("  \(row.server.rawValue) websocket \(row.test): \(e)")
                }
            }
            for row in webSocketIdle where row.roundsOK < row.roundsTotal {
                for e in row.errors where !failures.contains(where: { $0.reason == e }) {
                    print("  \(row.server.rawValue) websocket idle: \(e)")
                }
            }
        }
    }
}
