// The large-response scenarios, measured with wrk over keep-alive like the others but with their
// own servers, rounds and table:
// - static: three files of random bytes (1 KiB, 64 KiB, 1 MiB) written once per run into
//   <run-dir>/static, GET /static/<file> from asgi-demo --static-dir, nginx (sendfile), uvicorn
//   running Starlette's StaticFiles, and granian's own static file serving;
// - big-body: asgi-demo's one-shot 1 MiB in-memory body (GET /bytes?n=1048576), nginx sending the
//   1 MiB file of the same folder as the reference, and the --baseline-binary build when given.
// Each (scenario, server) pair is its own process, started once: asgi-demo runs with --static-dir
// for static and without it for big-body, so one missing feature does not sink the other scenario.
// Every job's first answer is checked (200, the exact length, and for files the exact bytes), each
// process is warmed up, then rounds with the servers of each size interleaved (order rotated per round).
import Foundation
import Glibc

/// One response size measured: a file of the static scenario, or the big body.
struct TransferTest: Sendable {
    /// static-1k, static-64k, static-1m, big-body.
    let name: String
    let scenario: Scenario
    let size: Int
    /// The file of this size in the static folder (big-body: the one nginx sends).
    let file: String

    static let bigBodySize = 1 << 20

    static let all: [TransferTest] = [
        TransferTest(name: "static-1k", scenario: .staticFiles, size: 1 << 10, file: "1k.bin"),
        TransferTest(name: "static-64k", scenario: .staticFiles, size: 64 << 10, file: "64k.bin"),
        TransferTest(name: "static-1m", scenario: .staticFiles, size: 1 << 20, file: "1m.bin"),
        TransferTest(name: "big-body", scenario: .bigBody, size: bigBodySize, file: "1m.bin"),
    ]

    /// The files the static folder holds, by name and size.
    static var files: [(name: String, size: Int)] {
        all.filter { $0.scenario == .staticFiles }.map { ($0.file, $0.size) }
    }
}

/// One server process of one scenario.
struct TransferServerKey: Hashable {
    let role: ServerRole
    let scenario: Scenario
}

struct TransferJob {
    let test: TransferTest
    let role: ServerRole

    /// asgi-demo and its baseline make the big body in memory; everyone else sends the file.
    var path: String {
        if test.scenario == .bigBody && role != .nginx { return "/bytes?n=\(test.size)" }
        return "/static/\(test.file)"
    }

    var key: TransferServerKey { TransferServerKey(role: role, scenario: test.scenario) }
}

extension GeneratedFiles {
    /// The static folder: each file of `TransferTest.files`, random bytes; returns their contents.
    static func staticFiles(in dir: String) throws -> [String: [UInt8]] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        var out: [String: [UInt8]] = [:]
        for (name, size) in TransferTest.files {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size)
            while bytes.count < size {
                let word = generator.next()
                let take = min(8, size - bytes.count)
                withUnsafeBytes(of: word) { bytes.append(contentsOf: $0.prefix(take)) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
            out[name] = bytes
        }
        return out
    }
}

struct TransferScenarios {
    let options: Options
    let launcher: ServerLauncher
    let wrk: String
    let store: ResultStore

    var tests: [TransferTest] { TransferTest.all.filter { options.scenarios.contains($0.scenario) } }

    func roles(for scenario: Scenario) -> [ServerRole] {
        let nginx: [ServerRole] = launcher.nginxBinary != nil ? [.nginx] : []
        switch scenario {
        case .staticFiles: return [.demo] + nginx + [.uvicorn, .granian]
        case .bigBody: return [.demo] + nginx + (launcher.baselineBinary != nil ? [.demoBaseline] : [])
        default: return []
        }
    }

    func run() {
        let tests = self.tests
        guard !tests.isEmpty else { return }
        let scenarios = options.scenarios.filter(\.isTransfer)
        let dir = "\(options.runDir)/static"
        let files: [String: [UInt8]]
        do {
            files = try GeneratedFiles.staticFiles(in: dir)
        } catch {
            for scenario in scenarios { store.fail(nil, scenario, "cannot write the static files into \(dir): \(error)") }
            return
        }
        // static: every server serves the folder; big-body: only nginx does (asgi-demo answers /bytes).
        var withFiles = launcher
        withFiles.staticDir = dir
        if scenarios.contains(.staticFiles) {
            withFiles.peers = PeerSetup.prepare([.uvicorn, .granian], options: options, starlette: true) { role, reason in
                store.fail(role, .staticFiles, reason)
            }
        }
        func launcherFor(_ key: TransferServerKey) -> ServerLauncher {
            key.scenario == .staticFiles || key.role == .nginx ? withFiles : launcher
        }
        let unusable = Set(
            store.failures.filter { $0.scenario?.isTransfer == true }
                .compactMap { f in f.server.map { TransferServerKey(role: $0, scenario: f.scenario!) } })
        var jobs = tests.flatMap { test in roles(for: test.scenario).map { TransferJob(test: test, role: $0) } }
        jobs.removeAll { unusable.contains($0.key) }

        var servers: [TransferServerKey: RunningServer] = [:]
        var seen = Set<TransferServerKey>()
        for job in jobs where seen.insert(job.key).inserted {
            switch launcherFor(job.key).start(job.role, tag: job.test.scenario.rawValue) {
            case .success(let server):
                servers[job.key] = server
                store.commands["\(job.role.rawValue) (\(job.test.scenario.rawValue))"] = server.command.joined(separator: " ")
            case .failure(let error):
                store.fail(job.role, job.test.scenario, "did not start: \(error)")
            }
        }
        defer { for server in servers.values { launcher.stop(server) } }
        jobs.removeAll { servers[$0.key] == nil }
        jobs.removeAll { !check($0, servers[$0.key]!, expected: files[$0.test.file]) }
        guard !jobs.isEmpty else { return }

        if options.warmupEnabled {
            print("--- transfer warm-up (\(options.warmup) per server)")
            var warmed = Set<TransferServerKey>()
            for job in jobs where warmed.insert(job.key).inserted {
                let server = servers[job.key]!
                let argv = WrkRunner.command(
                    wrk: wrk, cpus: String(options.clientCPU), connections: options.connections,
                    duration: options.warmup, url: server.url + job.path, latency: false)
                _ = try? WrkRunner.run(
                    argv, serverRoot: server.pid, extraRoot: nil,
                    rawPath: "\(options.runDir)/raw/warmup-\(job.role.rawValue)-\(job.test.scenario.rawValue).txt")
            }
        }

        runRounds(
            options.rounds, label: "transfer round", groups: tests.map { test in jobs.filter { $0.test.name == test.name } },
            store: store, measure: { job, round in measure(job, server: servers[job.key]!, round: round) },
            record: { store.transferRuns.append($0) })
    }

    /// The first answer must be 200 with exactly the test's size, and for a file its exact bytes;
    /// anything else fails this server for this size (asgi-demo without --static-dir or /bytes
    /// answers 404 here, or does not start).
    private func check(_ job: TransferJob, _ server: RunningServer, expected file: [UInt8]?) -> Bool {
        let what = "GET \(job.path)"
        switch HTTPClient.get(port: server.port, path: job.path, timeout: 10) {
        case .failure(let error):
            store.fail(job.role, job.test.scenario, test: job.test.name, "\(what): \(error)")
            return false
        case .success(let response) where response.status != 200 || response.bytes.count != job.test.size:
            store.fail(
                job.role, job.test.scenario, test: job.test.name,
                "\(what) answered \(response.status) with \(response.bytes.count) bytes, expected 200 with \(job.test.size)"
                    + (response.status == 200 ? "" : " '\(response.body.prefix(80))'"))
            return false
        case .success(let response):
            if job.path.hasPrefix("/static/"), let file, response.bytes != file {
                store.fail(
                    job.role, job.test.scenario, test: job.test.name,
                    "\(what) answered 200 with \(response.bytes.count) bytes that differ from \(job.test.file)")
                return false
            }
            return true
        }
    }

    private func measure(_ job: TransferJob, server: RunningServer, round: Int) -> LoadRun {
        var run = LoadRun(
            server: job.role, scenario: job.test.scenario, test: job.test.name, round: round, ok: false,
            loadavg: ProcFS.loadAverage())
        guard ProcFS.isRunning(server.pid) else {
            run.error = "server is no longer running" + ServerLauncher.logTail(server.logPath)
            return run
        }
        let argv = WrkRunner.command(
            wrk: wrk, cpus: String(options.clientCPU), connections: options.connections,
            duration: options.duration, url: server.url + job.path)
        run.command = argv.joined(separator: " ")
        let raw = "\(options.runDir)/raw/\(job.role.rawValue)-\(job.test.name)-r\(round).txt"
        do {
            let measured = try WrkRunner.run(argv, serverRoot: server.pid, extraRoot: nil, rawPath: raw)
            run.record(measured, server: server, pipelined: false)
            if let rps = run.wrk?.rps, rps > 0 {
                run.littleMs = rounded(Double(options.connections) / rps * 1000, 3)
            }
        } catch {
            run.error = "\(error)"
        }
        return run
    }
}
