// The websocket scenario: asgi-demo (router and raw app), uvicorn, granian and Hummingbird, each
// pinned to the server CPU, loaded by `Benchmarks ws-load` pinned to the client CPU. Every server
// is started once and checked (handshake, text and binary echo, close), warmed up, then measured
// in rounds with the servers interleaved (order rotated per round): echo (small text messages)
// and stream (large binary messages). Then, on fresh servers, RSS per idle open WebSocket.
// Nobody offers or negotiates permessage-deflate: the client sends no extension offer, asgi-demo
// runs with --no-ws-per-message-deflate and uvicorn with --ws-per-message-deflate false.
import Foundation
import Glibc

/// One kind of load run.
struct WSTest {
    let name: String
    let size: Int
    let binary: Bool

    static func label(_ size: Int) -> String {
        size >= 1024 && size % 1024 == 0 ? "\(size / 1024)KiB" : "\(size)B"
    }
}

enum WSIdle {
    /// RSS per idle WebSocket: the server has already done one WebSocket (the readiness check);
    /// 0.5 s, RSS of its tree, `count` WebSockets each opened with a handshake and one 32-byte
    /// text echo and left open, 1 s, check they are all still open, RSS again.
    static func measure(_ server: RunningServer, round: Int, count: Int, settle: Double = 1.0) -> IdleRun {
        usleep(500_000)
        let message = Array("0123456789abcdef0123456789abcdef".utf8)
        return IdleConnections.measure(server, round: round, count: count, settle: settle, noun: "WebSockets") { port in
            switch WSBlocking.open(port: port) {
            case .failure(let error):
                return .failure(error)
            case .success(var ws):
                if let error = ws.echo(opcode: WSOpcode.text, message) {
                    close(ws.fd)
                    return .failure(BenchError("echo: \(error)"))
                }
                return .success(ws.fd)
            }
        }
    }
}

struct WebSocketScenario {
    let options: Options
    var launcher: ServerLauncher
    let store: ResultStore

    var tests: [WSTest] {
        [
            WSTest(name: "echo-\(WSTest.label(options.wsSize))", size: options.wsSize, binary: false),
            WSTest(name: "stream-\(WSTest.label(options.wsBigSize))", size: options.wsBigSize, binary: true),
        ]
    }

    /// Extra server flags of the scenario: asgi-demo without permessage-deflate.
    static func extraArguments(_ role: ServerRole) -> [String] {
        role == .demo || role == .demoRaw ? ["--no-ws-per-message-deflate"] : []
    }

    /// This executable, for `ws-load`.
    static func selfPath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }

    mutating func run() {
        guard options.scenarios.contains(.websocket) else { return }
        let roles = options.wsServers
        let failed = Set(store.failures.filter { $0.scenario == .websocket }.compactMap(\.server))
        launcher.peers = PeerSetup.prepare(roles.filter { !failed.contains($0) }, options: options) { role, reason in
            store.fail(role, .websocket, reason)
        }
        var usable = roles.filter { role in !store.failures.contains { $0.server == role && $0.scenario == .websocket } }

        var servers: [ServerRole: RunningServer] = [:]
        for role in usable {
            switch start(role, tag: "ws") {
            case .success(let server):
                servers[role] = server
                store.commands["\(role.rawValue) (websocket)"] = server.command.joined(separator: " ")
            case .failure(let error):
                store.fail(role, .websocket, "\(error)")
            }
        }
        defer { for server in servers.values { launcher.stop(server) } }
        usable.removeAll { servers[$0] == nil }

        if !usable.isEmpty {
            if options.warmupEnabled {
                print("--- WebSocket warm-up (\(options.warmup) per server and message size)")
                for role in usable {
                    for test in tests {
                        _ = measure(test, server: servers[role]!, round: 0, duration: options.warmup)
                    }
                }
            }
            for round in 1...options.rounds {
                let note = "websocket round \(round): loadavg \(ProcFS.loadAverage())"
                store.roundNotes.append(note)
                print("=== \(note)")
                for test in tests {
                    for role in rotated(usable, by: round - 1) {
                        let run = measure(test, server: servers[role]!, round: round, duration: options.duration)
                        store.wsRuns.append(run)
                        print(Report.wsRunLine(run))
                    }
                }
            }
        }
        for server in servers.values { launcher.stop(server) }
        servers.removeAll()

        // idle WebSockets, each on a fresh server
        var broken = Set(roles.filter { role in store.failures.contains { $0.server == role && $0.scenario == .websocket } })
        for round in 1...options.rounds {
            let note = "websocket idle round \(round): loadavg \(ProcFS.loadAverage())"
            store.roundNotes.append(note)
            print("=== \(note)")
            for role in rotated(roles, by: round - 1) where !broken.contains(role) {
                switch start(role, tag: "ws-idle-r\(round)") {
                case .failure(let error):
                    store.fail(role, .websocket, "idle: did not start: \(error)")
                    broken.insert(role)
                case .success(let server):
                    let result = WSIdle.measure(server, round: round, count: options.idleConnections)
                    store.wsIdleRuns.append(result)
                    print(Report.idleLine(result, label: "idle-ws"))
                    launcher.stop(server)
                }
            }
        }
    }

    /// Starts a server and checks its WebSocket echo (handshake, text, binary, close handshake).
    private func start(_ role: ServerRole, tag: String) -> Result<RunningServer, BenchError> {
        switch launcher.start(role, tag: tag, extraArguments: Self.extraArguments(role)) {
        case .failure(let error): return .failure(error)
        case .success(let server):
            if let error = WSBlocking.check(port: server.port) {
                launcher.stop(server)
                return .failure(BenchError("\(role.rawValue) /ws check: \(error)\(ServerLauncher.logTail(server.logPath))"))
            }
            return .success(server)
        }
    }

    private func measure(_ test: WSTest, server: RunningServer, round: Int, duration: String) -> WSRun {
        var run = WSRun(server: server.role, test: test.name, round: round, ok: false, loadavg: ProcFS.loadAverage())
        guard ProcFS.isRunning(server.pid) else {
            run.error = "server is no longer running" + ServerLauncher.logTail(server.logPath)
            return run
        }
        let stem = "\(options.runDir)/raw/ws-\(server.role.rawValue)-\(test.name)-r\(round)"
        let json = "\(stem).json"
        try? FileManager.default.removeItem(atPath: json)
        var argv = [
            "taskset", "-c", String(options.clientCPU), Self.selfPath(), "ws-load", "--port", String(server.port),
            "--path", "/ws", "--connections", String(options.connections), "--duration", duration,
            "--size", String(test.size), "--json", json,
        ]
        if test.binary { argv.append("--binary") }
        run.command = argv.joined(separator: " ")
        // WrkRunner.run is the generic part here: start pinned, wait, CPU of both sides, RSS after.
        let measured: WrkMeasurement
        let cpus = [options.serverCPU, options.clientCPU]
        let busyBefore = ProcFS.cpuBusyTicks(cpus)
        do {
            measured = try WrkRunner.run(argv, serverRoot: server.pid, extraRoot: nil, rawPath: "\(stem).txt")
        } catch {
            run.error = "\(error)"
            return run
        }
        let busySeconds = Double(ProcFS.cpuBusyTicks(cpus) - busyBefore) / ProcFS.clockTicksPerSecond
        let ownSeconds = (measured.serverCPUPct + measured.wrkCPUPct) / 100 * measured.wallSeconds
        run.otherCPUPct = rounded(max(busySeconds - ownSeconds, 0) / measured.wallSeconds * 100, 1)
        run.exitStatus = Children.describe(status: measured.status)
        run.serverCPUPct = rounded(measured.serverCPUPct, 1)
        run.clientCPUPct = rounded(measured.wrkCPUPct, 1)
        run.serverRSSKB = measured.serverRSSKB
        let decoder = JSONDecoder()  // ws-load writes plain camelCase keys
        run.result = FileManager.default.contents(atPath: json).flatMap { try? decoder.decode(WSLoadResult.self, from: $0) }
        guard let result = run.result else {
            run.error = "ws-load \(run.exitStatus ?? "failed") without a result: \(measured.text.suffix(300))"
            run.rawOutput = measured.text
            return run
        }
        var problems: [String] = []
        if result.connectionsOpened < result.connectionsRequested {
            problems.append("\(result.connectionsRequested - result.connectionsOpened) of \(result.connectionsRequested) connections not opened")
        }
        if result.connectionsLost > 0 { problems.append("\(result.connectionsLost) connection(s) lost during the run") }
        if result.errorCount > 0 { problems.append("\(result.errorCount) error(s): \(result.errorSample.prefix(2).joined(separator: "; "))") }
        if result.unansweredAtEnd > 0 { problems.append("\(result.unansweredAtEnd) echo(es) unanswered 2 s after the window") }
        if result.messages == 0 { problems.append("no message echoed") }
        if !ProcFS.isRunning(server.pid) { problems.append("server exited during the run" + ServerLauncher.logTail(server.logPath)) }
        if problems.isEmpty {
            run.ok = true
        } else {
            run.error = problems.joined(separator: "; ")
        }
        return run
    }
}
