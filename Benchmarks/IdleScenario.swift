// Memory per idle keep-alive connection: a fresh server, one request, RSS of its process tree,
// N connections each with one answered request and left open, 1 s, RSS again.
import Foundation
import Glibc

enum IdleConnections {
    static func measure(_ server: RunningServer, round: Int, count: Int, settle: Double = 1.0) -> IdleRun {
        let request = HTTPClient.request(path: "/", host: "x")
        return measure(server, round: round, count: count, settle: settle, noun: "connections") { port in
            openOne(port: port, request: request)
        }
    }

    /// The measurement both idle scenarios share: RSS of the server's tree, `count` connections
    /// made by `open` (each left open), `settle` seconds, every one still open, RSS again.
    static func measure(
        _ server: RunningServer, round: Int, count: Int, settle: Double, noun: String,
        open makeOne: (UInt16) -> Result<Int32, BenchError>
    ) -> IdleRun {
        var run = IdleRun(server: server.role, round: round, ok: false, connectionsRequested: count)
        run.pids = ProcFS.treePids(server.pid)
        run.rssBeforeKB = ProcFS.treeRSSKB(server.pid)
        var open: [Int32] = []
        open.reserveCapacity(count)
        defer { for fd in open { close(fd) } }
        let start = Date()
        var consecutiveFailures = 0
        for _ in 0..<count {
            switch makeOne(server.port) {
            case .success(let fd):
                open.append(fd)
                consecutiveFailures = 0
            case .failure(let error):
                run.failures += 1
                consecutiveFailures += 1
                if run.failureSample.count < 3 { run.failureSample.append(error.description) }
            }
            if consecutiveFailures >= 20 { break }
        }
        run.openSeconds = rounded(Date().timeIntervalSince(start), 2)
        run.connectionsOK = open.count
        usleep(UInt32(settle * 1_000_000))
        run.connectionsAliveAtMeasure = open.filter(isOpen).count
        run.rssAfterKB = ProcFS.treeRSSKB(server.pid)
        if run.connectionsOK > 0 {
            run.bytesPerConnection = (run.rssAfterKB - run.rssBeforeKB) * 1024 / run.connectionsOK
        }
        if run.connectionsOK < count {
            run.error = "only \(run.connectionsOK) of \(count) \(noun) opened (\(run.failureSample.first ?? ""))"
        } else if run.connectionsAliveAtMeasure < count {
            run.error = "server closed \(count - run.connectionsAliveAtMeasure) idle \(noun) within \(settle) s"
        } else if !ProcFS.isRunning(server.pid) {
            run.error = "server exited" + ServerLauncher.logTail(server.logPath)
        } else {
            run.ok = true
        }
        return run
    }

    /// Connect, send one GET, read a 200 response; the socket stays open.
    private static func openOne(port: UInt16, request: [UInt8]) -> Result<Int32, BenchError> {
        switch TCP.connect(port: port, timeout: 5) {
        case .failure(let error): return .failure(error)
        case .success(let fd):
            guard TCP.sendAll(fd, request) else {
                close(fd)
                return .failure(BenchError("send: \(TCP.lastError)"))
            }
            var reader = SocketReader(fd: fd)
            switch HTTPClient.readResponse(&reader) {
            case .success(let response) where response.status == 200:
                return .success(fd)
            case .success(let response):
                close(fd)
                return .failure(BenchError("answered \(response.status)"))
            case .failure(let error):
                close(fd)
                return .failure(error)
            }
        }
    }

    /// Not closed by the peer: nothing to read, or data but not EOF.
    static func isOpen(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN) | 0x2000 /* POLLRDHUP */, revents: 0)
        guard poll(&entry, 1, 0) >= 0 else { return false }
        if entry.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 || entry.revents & 0x2000 != 0 { return false }
        if entry.revents & Int16(POLLIN) != 0 {
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) != 0
        }
        return true
    }
}

struct IdleScenario {
    let options: Options
    let launcher: ServerLauncher
    let store: ResultStore

    func run() {
        guard options.scenarios.contains(.idle) else { return }
        let roles: [ServerRole] = launcher.nginxBinary != nil ? [.demo, .nginx] : [.demo]
        var broken = Set<ServerRole>()
        for round in 1...options.rounds {
            let note = "idle round \(round): loadavg \(ProcFS.loadAverage())"
            store.roundNotes.append(note)
            print("=== \(note)")
            for role in rotated(roles, by: round - 1) where !broken.contains(role) {
                switch launcher.start(role, tag: "idle-r\(round)") {
                case .failure(let error):
                    store.fail(role, .idle, "did not start: \(error)")
                    broken.insert(role)  // same binary, same failure: don't retry each round
                case .success(let server):
                    store.commands["\(role.rawValue) (idle)"] = server.command.joined(separator: " ")
                    usleep(500_000)
                    let result = IdleConnections.measure(server, round: round, count: options.idleConnections)
                    store.idleRuns.append(result)
                    print(Report.idleLine(result))
                    launcher.stop(server)
                }
            }
        }
    }
}
