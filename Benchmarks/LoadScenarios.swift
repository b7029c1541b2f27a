// The wrk scenarios: start every server once, warm each up, then rounds with the servers of each
// scenario interleaved (order rotated per round), then stop everything.
import Foundation
import Glibc

struct LoadJob {
    let scenario: Scenario
    let role: ServerRole

    var path: String {
        switch scenario {
        case .json: "/json"
        case .redisGet: "/get?key=name"
        default: "/"
        }
    }

    var pipelined: Bool { scenario == .pipelined }
}

/// Rotates `items` left by `by` places.
func rotated<T>(_ items: [T], by: Int) -> [T] {
    guard !items.isEmpty else { return items }
    let k = by % items.count
    return Array(items[k...] + items[..<k])
}

/// `rounds` rounds; in each, the jobs of every group one after another, their order rotated by
/// the round so no server always goes first. Prints and stores a note per round.
func runRounds<Job>(
    _ rounds: Int, label: String, groups: [[Job]], store: ResultStore, measure: (Job, Int) -> LoadRun,
    record: (LoadRun) -> Void
) {
    for round in 1...rounds {
        let note = "\(label) \(round): loadavg \(ProcFS.loadAverage())"
        store.roundNotes.append(note)
        print("=== \(note)")
        for group in groups {
            for job in rotated(group, by: round - 1) {
                let run = measure(job, round)
                record(run)
                print(Report.runLine(run))
            }
        }
    }
}

struct LoadScenarios {
    let options: Options
    var launcher: ServerLauncher
    let wrk: String
    let redisBinary: String?
    let pipelineScript: String
    let store: ResultStore

    func roles(for scenario: Scenario) -> [ServerRole] {
        let withNginx: [ServerRole] = launcher.nginxBinary != nil ? [.demo, .nginx] : [.demo]
        let baseline: [ServerRole] = launcher.baselineBinary != nil ? [.demoBaseline] : []
        switch scenario {
        case .plaintext: return withNginx + baseline + [.demoMetrics]
        case .pipelined: return withNginx
        case .json: return [.demo]
        case .plaintextRaw: return [.demoRaw]
        case .redisGet: return [.demoRedis]
        case .workers: return [.demo, .demoWorkers1, .demoWorkers2]
        case .idle, .websocket, .staticFiles, .bigBody, .instructions: return []  // IdleScenario, WebSocketScenario, TransferScenarios
        }
    }

    mutating func run() {
        let scenarios = options.scenarios.filter(\.isLoad)
        guard !scenarios.isEmpty else { return }
        var jobs = scenarios.flatMap { s in roles(for: s).map { LoadJob(scenario: s, role: $0) } }

        var redis: RedisServer?
        if scenarios.contains(.redisGet) {
            if let redisBinary {
                switch RedisServer.start(binary: redisBinary, cpu: options.clientCPU, runDir: options.runDir) {
                case .success(let server):
                    redis = server
                    launcher.redisURL = server.url
                    store.commands["redis-server"] = server.command.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ")
                case .failure(let error):
                    store.fail(.demoRedis, .redisGet, "\(error)")
                }
            } else {
                store.fail(.demoRedis, .redisGet, "redis-server is not installed: scenario skipped (apt-get install redis-server)")
            }
            if redis == nil { jobs.removeAll { $0.scenario == .redisGet } }
        }
        defer { redis?.stop() }

        // Start each server once.
        var servers: [ServerRole: RunningServer] = [:]
        var seen = Set<ServerRole>()
        for role in jobs.map(\.role) where seen.insert(role).inserted {
            switch launcher.start(role, tag: "load") {
            case .success(let server):
                servers[role] = server
                store.commands[role.rawValue] = server.command.joined(separator: " ")
            case .failure(let error):
                for job in jobs where job.role == role { store.fail(role, job.scenario, "did not start: \(error)") }
            }
        }
        defer { for server in servers.values { launcher.stop(server) } }
        jobs.removeAll { servers[$0.role] == nil }
        jobs.removeAll { !check($0, servers[$0.role]!) }
        if let server = redis, !jobs.contains(where: { $0.scenario == .redisGet }) {
            server.stop()  // nothing will use it: don't leave it idling on the client CPU
            redis = nil
        }
        guard !jobs.isEmpty else { return }

        if options.warmupEnabled {
            print("--- warm-up (\(options.warmup) per server)")
            for role in ServerRole.allCases {
                guard let server = servers[role], let job = jobs.first(where: { $0.role == role }) else { continue }
                let argv = WrkRunner.command(
                    wrk: wrk, cpus: clientCPUList(role), connections: options.connections,
                    duration: options.warmup, url: server.url + job.path, latency: false)
                _ = try? WrkRunner.run(
                    argv, serverRoot: server.pid, extraRoot: nil,
                    rawPath: "\(options.runDir)/raw/warmup-\(role.rawValue).txt")
            }
        }

        runRounds(
            options.rounds, label: "round", groups: scenarios.map { scenario in jobs.filter { $0.scenario == scenario } },
            store: store,
            measure: { job, round in
                measure(job, server: servers[job.role]!, round: round, redis: job.scenario == .redisGet ? redis : nil)
            },
            record: { store.loadRuns.append($0) })
    }

    /// wrk's taskset list: the client CPU, or every CPU when the server is not pinned either.
    private func clientCPUList(_ role: ServerRole) -> String {
        role.pinned ? String(options.clientCPU) : options.allCPUs
    }

    /// Scenario-specific answer checks before any load (the readiness probe already did GET / or SET).
    private func check(_ job: LoadJob, _ server: RunningServer) -> Bool {
        let expected: String
        switch job.scenario {
        case .json: expected = #"{"message":"Hello, JSON!"}"#
        case .redisGet: expected = "docker"
        case .plaintext, .pipelined, .plaintextRaw, .workers:
            expected = job.role == .nginx ? "Hello, World!" : "Hello, ASGI!"  // the demo's GET / (DemoRoutes, RawApp)
        case .idle, .websocket, .staticFiles, .bigBody, .instructions: return true
        }
        switch HTTPClient.get(port: server.port, path: job.path) {
        case .failure(let error):
            store.fail(job.role, job.scenario, "GET \(job.path): \(error)")
            return false
        case .success(let response) where response.status != 200:
            store.fail(job.role, job.scenario, "GET \(job.path) answered \(response.status) '\(response.body.prefix(80))'")
            return false
        case .success(let response):
            let body = response.body.filter { !$0.isWhitespace }
            if body != expected.filter({ !$0.isWhitespace }) {
                print("!!! \(job.role.rawValue) GET \(job.path) answered '\(response.body.prefix(80))', expected '\(expected)' (measured anyway)")
            }
            return true
        }
    }

    private func measure(_ job: LoadJob, server: RunningServer, round: Int, redis: RedisServer?) -> LoadRun {
        var run = LoadRun(server: job.role, scenario: job.scenario, round: round, ok: false, loadavg: ProcFS.loadAverage())
        guard ProcFS.isRunning(server.pid) else {
            run.error = "server is no longer running" + ServerLauncher.logTail(server.logPath)
            return run
        }
        let argv = WrkRunner.command(
            wrk: wrk, cpus: clientCPUList(job.role), connections: options.connections, duration: options.duration,
            url: server.url + job.path, script: job.pipelined ? pipelineScript : nil,
            depth: job.pipelined ? options.pipelineDepth : nil)
        run.command = argv.joined(separator: " ")
        let statsBefore = redis.flatMap { RedisClient.stats(port: $0.port) }
        let raw = "\(options.runDir)/raw/\(job.role.rawValue)-\(job.scenario.rawValue)-r\(round).txt"
        let measured: WrkMeasurement
        do {
            measured = try WrkRunner.run(argv, serverRoot: server.pid, extraRoot: redis?.pid, rawPath: raw)
        } catch {
            run.error = "\(error)"
            return run
        }
        run.record(measured, server: server, pipelined: job.pipelined)
        if let rps = run.wrk?.rps, rps > 0 {
            let depth = job.pipelined ? options.pipelineDepth : 1
            run.littleMs = rounded(Double(options.connections * depth) / rps * 1000, 3)
        }
        if let redis, let before = statsBefore, let after = RedisClient.stats(port: redis.port) {
            run.redis = RedisTraffic.between(before, after, httpRequests: run.wrk?.requests)
        }
        return run
    }
}
