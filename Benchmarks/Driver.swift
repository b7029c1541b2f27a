// The run as a whole: options, preconditions, scenarios, report, cleanup.
import Foundation
import Glibc

enum Driver {
    static func main(_ arguments: [String]) -> Int32 {
        if arguments.first == "ws-load" { return WSLoadCommand.main(Array(arguments.dropFirst())) }
        var options: Options
        do {
            switch try Options.parse(arguments) {
            case .help:
                print(Options.usage)
                return 0
            case .run(let parsed): options = parsed
            }
        } catch {
            FileHandle.standardError.write(Data("Benchmarks: \(error)\n".utf8))
            return 2
        }

        // Only a websocket run against peers alone (--ws-servers without asgi-demo) does without the demo.
        let needsDemo =
            options.scenarios.contains { $0 != .websocket }
            || options.wsServers.contains { !$0.isPeer }
        let located = locateDemo(options.serverBinary)
        guard let demo = located ?? (needsDemo ? nil : options.serverBinary) else {
            print(
                "asgi-demo not found at \(options.serverBinary): build it first with `swift build -c release --product asgi-demo` (or pass --server-binary PATH)"
            )
            return 2
        }
        var baseline: String?
        if let path = options.baselineBinary {
            guard let found = locateDemo(path) else {
                print("--baseline-binary \(path) is not an executable file")
                return 2
            }
            baseline = found
        }
        let needsWrk = options.scenarios.contains(where: \.usesWrk)
        guard Host.which("taskset") != nil, let wrk = Host.which("wrk") ?? (needsWrk ? nil : "wrk") else {
            print("wrk and taskset are required: apt-get install wrk util-linux")
            return 2
        }
        guard Host.onlineCPUs > max(options.serverCPU, options.clientCPU) else {
            print("need CPUs \(options.serverCPU) and \(options.clientCPU), this machine has \(Host.onlineCPUs) online")
            return 2
        }

        options.allCPUs = Host.allowedCPUList() ?? "0-\(Host.onlineCPUs - 1)"
        let fileLimit = Host.raiseFileLimit()
        if fileLimit < UInt(options.idleConnections + 1000)
            && (options.scenarios.contains(.idle) || options.scenarios.contains(.websocket))
        {
            print("WARNING: open-files limit \(fileLimit) is low for \(options.idleConnections) idle connections")
        }
        Host.pinSelf(toCPU: options.clientCPU)
        ChildRegistry.shared.installSignalHandlers()
        defer { ChildRegistry.shared.stopAll() }

        let runDir = options.runDir
        let pipelineScript: String
        do {
            try? FileManager.default.removeItem(atPath: runDir)
            try FileManager.default.createDirectory(atPath: "\(runDir)/raw", withIntermediateDirectories: true)
            pipelineScript = try GeneratedFiles.pipelineScript(in: runDir)
        } catch {
            print("cannot prepare \(runDir): \(error)")
            return 2
        }

        let needsNginx = options.scenarios.contains {
            [.plaintext, .pipelined, .idle, .staticFiles, .bigBody, .instructions].contains($0)
        }
        let nginx = options.useNginx && needsNginx ? Host.which("nginx") : nil
        if options.useNginx && needsNginx && nginx == nil {
            print("nginx is not installed: candidate-only run (apt-get install nginx-light to compare)")
        }
        let store = ResultStore()
        let launcher = ServerLauncher(
            options: options, runDir: runDir, demoBinary: demo, nginxBinary: nginx, redisURL: nil,
            baselineBinary: baseline)
        print(
            "SwiftASGI Benchmarks: \(options.scenarios.map(\.rawValue).joined(separator: ",")), \(options.rounds) round(s) × \(options.duration)"
                + ", \(options.connections) connections, servers on CPU \(options.serverCPU), wrk on CPU \(options.clientCPU); logs in \(runDir)")

        var load = LoadScenarios(
            options: options, launcher: launcher, wrk: wrk, redisBinary: Host.which("redis-server"),
            pipelineScript: pipelineScript, store: store)
        load.run()
        let transfer = TransferScenarios(options: options, launcher: launcher, wrk: wrk, store: store)
        transfer.run()
        IdleScenario(options: options, launcher: launcher, store: store).run()
        var webSocket = WebSocketScenario(options: options, launcher: launcher, store: store)
        webSocket.run()
        let instructionCosts = InstructionsScenario(options: options, launcher: launcher, store: store).run()

        ChildRegistry.shared.parkIfStopping()
        let rows = Summary.rows(store, order: options.scenarios, sharedCPUs: Host.count(cpuList: options.allCPUs))
        let idle = Summary.idle(store, connections: options.idleConnections)
        let wsTests = webSocket.tests.map(\.name)
        let wsRows = options.scenarios.contains(.websocket) ? Summary.webSocket(store, tests: wsTests) : []
        let wsIdle = Summary.idle(
            store.wsIdleRuns, failures: store.failures.filter { $0.scenario == .websocket },
            connections: options.idleConnections)
        let transferRows = TransferSummary.rows(store, tests: transfer.tests)
        let targets =
            Summary.targets(rows) + TransferSummary.targets(transferRows, tests: transfer.tests)
            + Summary.webSocketTargets(wsRows, idle: wsIdle, echo: wsTests[0], stream: wsTests[1])
            + InstructionsScenario.targets(instructionCosts)
        Report.printTables(
            rows: rows, idle: idle, targets: targets, failures: store.failures, connections: options.idleConnections,
            webSocket: wsRows, webSocketIdle: wsIdle, webSocketConnections: options.connections,
            transfer: transferRows, loadConnections: options.connections)

        let document = Document(
            meta: meta(options, store: store, wrk: wrk, nginx: nginx, fileLimit: fileLimit),
            summary: rows, idle: idle, websocket: wsRows, websocketIdle: wsIdle, transfer: transferRows, targets: targets,
            failures: store.failures, runs: store.loadRuns, idleRuns: store.idleRuns, websocketRuns: store.wsRuns,
            websocketIdleRuns: store.wsIdleRuns, transferRuns: store.transferRuns)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let data = try encoder.encode(document)
            try data.write(to: URL(fileURLWithPath: options.jsonPath))
            print("\nJSON written to \(options.jsonPath); raw wrk output, configs and server logs in \(runDir)")
        } catch {
            print("cannot write \(options.jsonPath): \(error)")
            return 2
        }
        let failed =
            rows.contains { $0.failed || $0.roundsOK < $0.roundsTotal }
            || idle.contains { $0.failed || $0.roundsOK < $0.roundsTotal } || !store.failures.isEmpty
            || wsRows.contains { $0.failed || $0.roundsOK < $0.roundsTotal } || wsIdle.contains { $0.failed || $0.roundsOK < $0.roundsTotal }
            || transferRows.contains { $0.failed || $0.roundsOK < $0.roundsTotal }
        return failed ? 1 : 0
    }

    /// The demo binary: as given, else relative to the package root (walking up from the cwd).
    static func locateDemo(_ path: String) -> String? {
        let fm = FileManager.default
        var candidates = [path]
        if !path.hasPrefix("/"), let root = Host.packageRoot() { candidates.append("\(root)/\(path)") }
        for candidate in candidates where fm.isExecutableFile(atPath: candidate) {
            return URL(fileURLWithPath: candidate).standardizedFileURL.path
        }
        return nil
    }

    static func meta(_ options: Options, store: ResultStore, wrk: String, nginx: String?, fileLimit: UInt) -> Meta {
        let scratch = "\(options.runDir)/version.txt"
        func firstLine(_ argv: [String]) -> String {
            Children.capture(argv, scratch: scratch).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        }
        var versions: [String: String] = [:]
        if options.scenarios.contains(where: \.usesWrk) { versions["wrk"] = firstLine([wrk, "-v"]) }
        let python = "\(options.venv)/bin/python"
        if options.scenarios.contains(.websocket) || options.scenarios.contains(.staticFiles),
            FileManager.default.isExecutableFile(atPath: python)
        {
            // starlette only when the venv has it (a venv made before it was added still serves websocket)
            versions["python-peers"] = firstLine([
                python, "-c",
                """
                import sys, uvicorn, websockets, uvloop, httptools, granian
                try:
                    import starlette; s = starlette.__version__
                except ImportError:
                    s = 'not installed'
                print('python', sys.version.split()[0], 'uvicorn', uvicorn.__version__, 'websockets', websockets.__version__, 'uvloop', uvloop.__version__, 'httptools', httptools.__version__, 'granian', granian.__version__, 'starlette', s)
                """,
            ])
        }
        if options.scenarios.contains(.websocket) {
            versions["hummingbird-ws"] = "hummingbird 2.28.1, hummingbird-websocket 2.8.1 (\(options.hbDir))"
            versions["swift"] = firstLine(["swift", "--version"])
        }
        if let nginx { versions["nginx"] = firstLine([nginx, "-v"]) }
        if let redis = Host.which("redis-server") { versions["redis-server"] = firstLine([redis, "--version"]) }
        let cpu =
            (ProcFS.read("/proc/cpuinfo") ?? "").split(separator: "\n")
            .first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "" } ?? ""
        return Meta(
            date: ISO8601DateFormatter().string(from: Date()),
            kernel: (ProcFS.read("/proc/sys/kernel/osrelease") ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            cpu: cpu, cpuCount: Host.onlineCPUs, fileLimit: fileLimit, versions: versions,
            settings: Settings(
                rounds: options.rounds, duration: options.duration, warmup: options.warmup,
                connections: options.connections, pipelineDepth: options.pipelineDepth,
                idleConnections: options.idleConnections, serverCPU: options.serverCPU,
                clientCPU: options.clientCPU, sharedCPUs: options.allCPUs, scenarios: options.scenarios,
                baselineBinary: options.baselineBinary),
            commands: store.commands, runDir: options.runDir, rounds: store.roundNotes)
    }
}
