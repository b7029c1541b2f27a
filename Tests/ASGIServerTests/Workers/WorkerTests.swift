import Foundation
import Testing

/// The supervisor and its workers, through the built `asgi-demo`.
@Suite(.serialized) struct WorkerTests {
    @Test func supervisorStartsNWorkersSharingOneListener() async throws {
        let demo = try DemoProcess(["--workers", "3", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"])
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 3)
        #expect(demo.children.count == 3)
        var pids = Set<String>()
        for _ in 0..<60 { if let response = fetch(port: port, "/__test/pid") { pids.insert(response.text) } }
        #expect(pids.count >= 2, "requests should reach more than one worker, got \(pids)")
        #expect(pids.isSubset(of: Set(demo.children.map(String.init))))
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func killedWorkerIsReplacedAndOthersKeepServing() async throws {
        let demo = try DemoProcess(["--workers", "2", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"])
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 2)
        let load = LoadGenerator(port: port, threads: 4)
        try await Task.sleep(for: .milliseconds(300))
        let victim = try #require(demo.children.first)
        kill(victim, SIGKILL)
        try await demo.waitForLog("died (killed by signal 9): starting a new one")
        try await demo.waitForLog("SwiftASGI running", count: 3)
        try await Task.sleep(for: .milliseconds(300))
        await load.stop()
        // A shared listening socket: the dead worker's queued connections go to the other one,
        // so at most the connections it was serving at that instant fail.
        #expect(load.failed.load(ordering: .relaxed) <= 4)
        #expect(load.ok.load(ordering: .relaxed) > 50)
        #expect(demo.children.count == 2)
        #expect(!demo.children.contains(victim))
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func trappingHandlerCostsOneWorkerNotTheService() async throws {
        let demo = try DemoProcess(["--workers", "2", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"])
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 2)
        #expect(fetch(port: port, "/__test/trap") == nil, "a trapped worker cannot answer")
        try await demo.waitForLog("died (killed by signal")
        try await demo.waitForLog("SwiftASGI running", count: 3)
        for _ in 0..<20 { #expect(fetch(port: port, "/")?.status == 200) }
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func sigtermLetsInFlightRequestsFinishAndExitsZero() async throws {
        let demo = try DemoProcess(["--workers", "2", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"])
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 2)
        async let first = blocking { fetch(port: port, "/slow") }
        async let second = blocking { fetch(port: port, "/slow") }
        try await Task.sleep(for: .milliseconds(300))
        demo.signal(SIGTERM)
        let responses = await [try first, try second]
        #expect(responses.allSatisfy { $0?.status == 200 })
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func sighupRollsWorkersWithoutFailedRequests() async throws {
        let demo = try DemoProcess(["--workers", "2", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"])
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 2)
        let before = Set(demo.children)
        let load = LoadGenerator(port: port, threads: 4)
        try await Task.sleep(for: .milliseconds(300))
        demo.signal(SIGHUP)
        try await demo.waitForLog("stopped (exit status 0)", count: 2)
        try await Task.sleep(for: .milliseconds(300))
        await load.stop()
        #expect(load.failed.load(ordering: .relaxed) == 0)
        #expect(load.ok.load(ordering: .relaxed) > 50)
        #expect(Set(demo.children).isDisjoint(with: before))
        #expect(demo.children.count == 2)
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func ttinAndTtouChangeTheWorkerCount() async throws {
        let demo = try DemoProcess(["--workers", "1", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"])
        _ = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 1)
        demo.signal(SIGTTIN)
        try await demo.waitForLog("SwiftASGI running", count: 2)
        #expect(demo.children.count == 2)
        demo.signal(SIGTTOU)
        try await demo.waitForLog("stopped (exit status 0)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(demo.children.count == 1)
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func maxRequestsRecyclesWorkersOneAtATime() async throws {
        let demo = try DemoProcess([
            "--workers", "2", "--port", "0", "--no-access-log", "--limit-max-requests", "50",
            "--redis-url", "redis://127.0.0.1:1",
        ])
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 2)
        // The shared socket does not split connections evenly: request until two workers recycled.
        var failures = 0
        var sent = 0
        while demo.log.filter({ $0.contains("reached its request limit: replacing it") }).count < 2, sent < 2000 {
            if fetch(port: port, "/")?.status != 200 { failures += 1 }
            sent += 1
        }
        try await demo.waitForLog("reached its request limit: replacing it", count: 2)
        try await demo.waitForLog("stopped (exit status 0)", count: 2)
        #expect(failures == 0)
        do {
            try await waitUntil { demo.children.count == 2 }
        } catch {
            Issue.record(Comment(rawValue: "children: \(demo.children)\n\(demo.log.joined(separator: "\n"))"))
        }
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func workersThatFailAtStartupStopTheSupervisor() async throws {
        // The lifespan startup fails in every worker.
        let demo = try DemoProcess(
            ["--workers", "2", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"],
            environment: ["SWIFTASGI_DEMO_FAIL_STARTUP": "1"])
        let status = try await demo.waitForExit(seconds: 20)
        #expect(status == 3)
        let starts = demo.log.filter { $0.contains("Started worker") }.count
        #expect(starts <= 3, "the supervisor must not restart failing workers in a loop (\(starts) starts)")
        #expect(demo.log.contains { $0.contains("fail at start-up") })
    }

    @Test func unresponsiveWorkerIsReplacedAfterTheHealthcheckTimeout() async throws {
        let demo = try DemoProcess([
            "--workers", "2", "--port", "0", "--no-access-log", "--timeout-worker-healthcheck", "1",
            "--redis-url", "redis://127.0.0.1:1",
        ])
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 2)
        // Blocks one worker's loop for 30 s: it stops answering pings.
        let blocker = try TestClient(port: port)
        try blocker.send("GET /__test/block?seconds=30 HTTP/1.1\r\nHost: t\r\n\r\n")
        try await demo.waitForLog("did not answer health checks")
        try await demo.waitForLog("SwiftASGI running", count: 3)
        #expect(fetch(port: port, "/")?.status == 200)
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func supervisorThatCannotStartWorkersExitsNonZero() async throws {
        let demo = try DemoProcess(["--workers", "2", "--fd", "999", "--no-access-log"])
        #expect(try await demo.waitForExit(seconds: 20) == 3)
        #expect(demo.log.contains { $0.contains("Cannot start a worker process") })
    }

    @Test func singleProcessWithoutWorkersHasNoSupervisor() async throws {
        let demo = try DemoProcess(["--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"])
        let port = try await demo.waitForPort()
        #expect(demo.children.isEmpty)
        #expect(fetch(port: port, "/__test/pid")?.text == String(demo.pid))
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }

    @Test func badFlagValueGivesOneClearLineAndUsageExit() async throws {
        let demo = try DemoProcess(["--port", "abc"])
        let status = try await demo.waitForExit()
        #expect(status == 64)
        #expect(demo.log.contains { $0.contains("port") })
    }
}

/// `--reload`: a new executable in place of the old one restarts the workers (development).
@Suite(.serialized) struct ReloadTests {
    @Test func replacingTheExecutableReloadsTheWorkers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftasgi-reload-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("asgi-demo")
        try FileManager.default.copyItem(atPath: DemoProcess.binary, toPath: copy.path)
        let demo = try DemoProcess(
            ["--reload", "--port", "0", "--no-access-log", "--redis-url", "redis://127.0.0.1:1"], binary: copy.path)
        let port = try await demo.waitForPort()
        try await demo.waitForLog("SwiftASGI running", count: 1)
        let before = fetch(port: port, "/__test/pid")?.text
        // What `swift build` does to the product: a new file under the same name.
        let staged = directory.appendingPathComponent("asgi-demo.new")
        try FileManager.default.copyItem(atPath: DemoProcess.binary, toPath: staged.path)
        _ = rename(staged.path, copy.path)
        try await demo.waitForLog("Change detected: reloading workers")
        try await demo.waitForLog("SwiftASGI running", count: 2)
        try await demo.waitForLog("stopped (exit status 0)")
        let after = fetch(port: port, "/__test/pid")?.text
        #expect(before != nil && after != nil && before != after)
        demo.signal(SIGTERM)
        #expect(try await demo.waitForExit() == 0)
    }
}
