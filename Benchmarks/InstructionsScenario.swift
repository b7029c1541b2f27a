// `--scenarios instructions`: user-space instructions and heap allocations per request, counted
// the deterministic way. Each server runs under `valgrind --tool=callgrind` (asgi-demo from a
// stripped copy of --server-binary, nginx with `master_process off`, `return 200`), one
// keep-alive connection sends N sequential `GET /`, the server is stopped and the counts read
// from callgrind's output; the difference between a 6,000- and a 1,000-request run, divided by
// 5,000, is the cost of one request without start-up and shutdown. Allocations are the calls to
// malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign in the call graph.
import Foundation
import Glibc

/// One callgrind run.
struct InstructionRun: Codable {
    var server: ServerRole
    var requests: Int
    var instructions: Int
    var allocations: Int
}

/// Per request, from the two runs of one server.
struct InstructionCost: Codable {
    var server: ServerRole
    var instructionsPerRequest: Double
    var allocationsPerRequest: Double
}

struct InstructionsScenario {
    let options: Options
    let launcher: ServerLauncher
    let store: ResultStore
    static let requestCounts = (small: 1000, large: 6000)
    /// The aims per plaintext request (a keep-alive `GET /` through the demo's router).
    static let instructionTarget = 12_000.0
    static let allocationTarget = 4.0

    func run() -> [InstructionCost] {
        guard options.scenarios.contains(.instructions) else { return [] }
        guard let valgrind = Host.which("valgrind") else {
            store.fail(.demo, .instructions, "valgrind is not installed (apt-get install valgrind)")
            return []
        }
        let stripped = "\(options.runDir)/asgi-demo-stripped"
        try? FileManager.default.removeItem(atPath: stripped)
        let copy = Children.capture(["strip", "-o", stripped, launcher.demoBinary], scratch: "\(options.runDir)/strip.log")
        guard FileManager.default.isExecutableFile(atPath: stripped) else {
            store.fail(.demo, .instructions, "strip failed: \(copy)")
            return []
        }
        // A reachable Redis: without one the demo's client keeps retrying its connection, and
        // those attempts (made by the clock, not per request) showed in the difference of the runs.
        var demoCommand = [stripped, "--no-access-log"]
        var redis: RedisServer?
        if let binary = Host.which("redis-server"),
            case .success(let server) = RedisServer.start(binary: binary, cpu: options.clientCPU, runDir: options.runDir)
        {
            redis = server
            demoCommand += ["--redis-url", server.url]
        }
        defer { redis?.stop() }
        var roles: [(ServerRole, [String])] = [(.demo, demoCommand)]
        if let nginx = launcher.nginxBinary { roles.append((.nginx, [nginx])) }
        var costs: [InstructionCost] = []
        for (role, command) in roles {
            var runs: [InstructionRun] = []
            for requests in [Self.requestCounts.small, Self.requestCounts.large] {
                switch measure(role, command, requests: requests, valgrind: valgrind) {
                case .success(let run):
                    runs.append(run)
                    print(
                        "  \(Report.pad(role.rawValue, 18, left: true)) instructions  \(requests) requests: "
                            + "\(Report.grouped(Double(run.instructions))) Ir, \(run.allocations) allocations")
                case .failure(let error):
                    store.fail(role, .instructions, "\(requests) requests: \(error)")
                }
            }
            guard runs.count == 2 else { continue }
            let extra = Double(runs[1].requests - runs[0].requests)
            costs.append(
                InstructionCost(
                    server: role, instructionsPerRequest: rounded(Double(runs[1].instructions - runs[0].instructions) / extra, 1),
                    allocationsPerRequest: rounded(Double(runs[1].allocations - runs[0].allocations) / extra, 2)))
        }
        return costs
    }

    private func measure(_ role: ServerRole, _ command: [String], requests: Int, valgrind: String) -> Result<InstructionRun, BenchError> {
        let port: UInt16
        do { port = try TCP.freePort() } catch { return .failure(BenchError("no free port: \(error)")) }
        let out = "\(options.runDir)/callgrind-\(role.rawValue)-\(requests).out"
        try? FileManager.default.removeItem(atPath: out)
        var argv = [valgrind, "--tool=callgrind", "--callgrind-out-file=\(out)"] + command
        if role == .nginx {
            guard let config = try? nginxConfig(port: port) else { return .failure(BenchError("cannot write the nginx config")) }
            argv += ["-p", options.runDir, "-e", "\(options.runDir)/nginx-error.log", "-c", config]
        } else {
            argv += ["--host", "127.0.0.1", "--port", String(port)]
        }
        let pid: pid_t
        do { pid = try Children.start(argv, output: "\(options.runDir)/callgrind-\(role.rawValue)-\(requests).log") } catch {
            return .failure(BenchError("\(error)"))
        }
        if let error = TCP.waitUntilListening(port: port, pid: pid, timeout: 120) {
            kill(pid, SIGKILL)
            _ = Children.wait(pid)
            return .failure(error)
        }
        let sent = drive(port: port, requests: requests)
        // SIGINT: asgi-demo stops gracefully, nginx without a master exits; callgrind writes its file.
        kill(pid, SIGINT)
        _ = Children.wait(pid)
        if let sent { return .failure(sent) }
        guard let text = try? String(contentsOfFile: out, encoding: .utf8) else {
            return .failure(BenchError("no callgrind output at \(out)"))
        }
        let counts = Self.parse(text)
        guard counts.instructions > 0 else { return .failure(BenchError("no totals in \(out)")) }
        return .success(InstructionRun(server: role, requests: requests, instructions: counts.instructions, allocations: counts.allocations))
    }

    /// `requests` sequential `GET /` on one keep-alive connection, each answered 200.
    private func drive(port: UInt16, requests: Int) -> BenchError? {
        guard case .success(let fd) = TCP.connect(port: port, timeout: 30) else { return BenchError("cannot connect") }
        defer { close(fd) }
        TCP.setTimeouts(fd, seconds: 30)
        var reader = SocketReader(fd: fd)
        let request = HTTPClient.request(path: "/", host: "127.0.0.1")
        for index in 0..<requests {
            guard TCP.sendAll(fd, request) else { return BenchError("send failed at request \(index)") }
            switch HTTPClient.readResponse(&reader) {
            case .success(let response) where response.status == 200: continue
            case .success(let response): return BenchError("request \(index) answered \(response.status)")
            case .failure(let error): return BenchError("request \(index): \(error)")
            }
        }
        return nil
    }

    /// The program's instruction total and the calls to the allocation functions, from a
    /// callgrind output file (names are compressed: `cfn=(id) name` once, then `cfn=(id)`).
    static func parse(_ text: String) -> (instructions: Int, allocations: Int) {
        let allocators: Set<Substring> = ["malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign"]
        var names: [Substring: Substring] = [:]
        var callee: Substring = ""
        var instructions = 0
        var allocations = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("cfn=") || line.hasPrefix("fn=") {
                let spec = line.drop { $0 != "=" }.dropFirst()
                var id = spec
                var name: Substring?
                if spec.hasPrefix("("), let close = spec.firstIndex(of: ")") {
                    id = spec[...close]
                    let rest = spec[spec.index(after: close)...].drop { $0 == " " }
                    if !rest.isEmpty { name = rest; names[id] = rest }
                }
                if line.hasPrefix("cfn=") { callee = name ?? names[id] ?? id }
            } else if line.hasPrefix("calls="), allocators.contains(callee) {
                allocations += Int(line.dropFirst(6).prefix { $0 != " " }) ?? 0
            } else if line.hasPrefix("totals:") || line.hasPrefix("summary:") {
                instructions = max(instructions, Int(line.drop { $0 != ":" }.dropFirst().drop { $0 == " " }.prefix { $0 != " " }) ?? 0)
            }
        }
        return (instructions, allocations)
    }

    /// nginx in one process (no master), `return 200` at /, no access log.
    private func nginxConfig(port: UInt16) throws -> String {
        let dir = options.runDir
        let temp = "\(dir)/nginx-tmp"
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        let path = "\(dir)/nginx-callgrind-\(port).conf"
        let config = """
            worker_processes 1;
            daemon off;
            master_process off;
            pid \(dir)/nginx-callgrind-\(port).pid;
            error_log \(dir)/nginx-error.log warn;
            events { worker_connections 1024; use epoll; }
            http {
                access_log off;
                keepalive_requests 100000000;
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
                default_type text/plain;
                server {
                    listen 127.0.0.1:\(port);
                    location / { return 200 "Hello, World!"; }
                }
            }

            """
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func targets(_ costs: [InstructionCost]) -> [Target] {
        guard let demo = costs.first(where: { $0.server == .demo }) else { return [] }
        let nginx = costs.first { $0.server == .nginx }
        var out = [
            Target(
                name: "instructions per request", formula: "asgi-demo GET / under callgrind, (Ir(6000) − Ir(1000)) / 5000",
                value: demo.instructionsPerRequest, target: instructionTarget, met: demo.instructionsPerRequest <= instructionTarget,
                note: nginx.map { "nginx: \(Report.grouped($0.instructionsPerRequest))" }, comparison: "≤"),
            Target(
                name: "allocations per request", formula: "calls to malloc/calloc/realloc/posix_memalign per GET /",
                value: demo.allocationsPerRequest, target: allocationTarget, met: demo.allocationsPerRequest <= allocationTarget,
                note: nginx.map { "nginx: \(Report.fixed($0.allocationsPerRequest, 2))" }, comparison: "≤"),
        ]
        if let nginx, nginx.instructionsPerRequest > 0 {
            out.append(
                Target(
                    name: "instructions vs nginx", formula: "asgi-demo instructions per request / nginx's",
                    value: rounded(demo.instructionsPerRequest / nginx.instructionsPerRequest, 2), target: nil, met: nil))
        }
        return out
    }
}
