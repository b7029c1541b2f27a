import Glibc
import Testing
import UVLoop

@testable import ASGIRedis

/// Failure handling against a real redis-server: killed, restarted, paused, refused, never
/// accepting. Every command must end (success or an unavailable error); none may hang.
extension RedisClientTests {
    @Test(.timeLimit(.minutes(1))) func redisKilledMidLoad() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        let pid = server.pid
        let started = milliseconds()
        let (ok, unavailable, other) = try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop, commandTimeout: 500)
            await redis.connect()
            var ok = 0, unavailable = 0, other = 0
            for wave in 0..<40 {
                if wave == 10 { kill(pid, SIGKILL) }
                let results = await withTaskGroup(of: Int.self) { group in
                    for i in 0..<50 {
                        group.addTask {
                            do throws(RedisError) {
                                try await redis.set("k\(i)", "v\(wave)")
                                return try await redis.get("k\(i)") == bytes("v\(wave)") ? 0 : 2
                            } catch {
                                return error.isUnavailable ? 1 : 2
                            }
                        }
                    }
                    return await group.reduce(into: [0, 0, 0]) { $0[$1] += 1 }
                }
                ok += results[0]
                unavailable += results[1]
                other += results[2]
                await loop.sleep(milliseconds: 5)
            }
            #expect(!redis.isConnected)
            await redis.close()
            return (ok, unavailable, other)
        }
        server.kill()
        print("killed mid-load: \(ok) ok, \(unavailable) unavailable, \(other) other in \(milliseconds() - started) ms")
        #expect(ok + unavailable == 2000)
        #expect(other == 0)
        #expect(ok >= 500 && unavailable >= 500)
        #expect(milliseconds() - started < 20_000)
    }

    @Test(.timeLimit(.minutes(1))) func recoversWhenRedisRestartsOnTheSamePort() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        let (recoveredAfter, reconnects) = try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            try await redis.set("before", "1")
            server.kill()
            // The loss is noticed (EOF) and commands fail fast with an unavailable error.
            var sawUnavailable = false
            for _ in 0..<100 where !sawUnavailable {
                do throws(RedisError) { _ = try await redis.ping(); await loop.sleep(milliseconds: 10) } catch {
                    sawUnavailable = error.isUnavailable
                }
            }
            #expect(sawUnavailable)
            let failFast = milliseconds()
            await #expect(throws: RedisError.self) { try await redis.get("before") }
            #expect(milliseconds() - failFast < 100)

            try server.start()
            let restarted = milliseconds()
            var recovered: UInt64?
            while recovered == nil, milliseconds() - restarted < 5000 {
                if (try? await redis.set("after", "2")) != nil { recovered = milliseconds() - restarted } else { await loop.sleep(milliseconds: 20) }
            }
            #expect(try await redis.get("after") == bytes("2"))
            let reconnects = redis.stats.reconnects
            await redis.close()
            return (recovered, reconnects)
        }
        print("restart: recovered after \(recoveredAfter.map { "\($0) ms" } ?? "never"), reconnects \(reconnects)")
        #expect(recoveredAfter != nil)
        #expect(reconnects >= 1)
    }

    @Test(.timeLimit(.minutes(1))) func commandTimesOutWhileRedisIsPaused() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        let pid = server.pid
        defer { kill(pid, SIGCONT) }
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop, commandTimeout: 200, connectTimeout: 300)
            await redis.connect()
            try await redis.set("paused", "no")
            kill(pid, SIGSTOP)
            let started = milliseconds()
            do throws(RedisError) {
                _ = try await redis.get("paused")
                Issue.record("a paused Redis cannot answer")
            } catch {
                #expect(error.isTimeout && error.isUnavailable)
            }
            let waited = milliseconds() - started
            #expect(waited >= 150 && waited < 1000)
            #expect(redis.stats.timeouts >= 1)
            // Still paused: the next command fails too (fast or by timeout), never hangs, and
            // reconnect attempts connect (the kernel accepts) but time out in the handshake.
            await #expect(throws: RedisError.self) { try await redis.ping() }
            await loop.sleep(milliseconds: 800)
            #expect(!redis.isConnected)
            #expect(redis.stats.connectAttempts >= 3)
            kill(pid, SIGCONT)
            let resumed = milliseconds()
            var recovered = false
            while !recovered, milliseconds() - resumed < 5000 {
                if (try? await redis.get("paused")) == bytes("no") { recovered = true } else { await loop.sleep(milliseconds: 20) }
            }
            #expect(recovered)
            await redis.close()
        }
    }

    @Test func connectRefusedFailsFast() async throws {
        let port = try RedisServerProcess.freePort()
        try await onLoop { loop in
            let redis = try makeClient(url: "redis://127.0.0.1:\(port)", loop: loop)
            let started = milliseconds()
            await redis.connect()
            #expect(milliseconds() - started < 500)
            #expect(!redis.isConnected)
            let commandStarted = milliseconds()
            do throws(RedisError) {
                _ = try await redis.get("x")
                Issue.record("nothing listens")
            } catch {
                #expect(error.isUnavailable && !error.isTimeout)
                #expect(error.description.contains("refused"))
            }
            #expect(milliseconds() - commandStarted < 50)
            await loop.sleep(milliseconds: 300)  // a few reconnect attempts (backoff 50, 100, 200)
            #expect(redis.stats.connectAttempts >= 3)
            await redis.close()
        }
    }

    @Test func connectTimesOutWhenNothingAccepts() async throws {
        // A listener whose accept queue is full: the kernel drops further SYNs, connect hangs.
        let listener = try FullListener()
        let port = listener.port
        try await onLoop { loop in
            let redis = try makeClient(url: "redis://127.0.0.1:\(port)", loop: loop, connectTimeout: 200)
            let started = milliseconds()
            await redis.connect()
            let waited = milliseconds() - started
            #expect(!redis.isConnected)
            #expect(waited >= 150 && waited < 1000)
            do throws(RedisError) {
                _ = try await redis.ping()
                Issue.record("nothing accepts")
            } catch {
                #expect(error.isUnavailable && error.description.contains("connect timed out"))
            }
            await redis.close()
        }
        _ = listener
    }

    @Test func closeDuringHandshake() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        server.signal(SIGSTOP)
        defer { server.signal(SIGCONT) }
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            let connecting = Task(executorPreference: loop.executor) { await redis.connect() }
            await loop.sleep(milliseconds: 50)  // TCP connected (backlog), PING unanswered
            await redis.close()
            await connecting.value
            #expect(!redis.isConnected)
            await #expect(throws: RedisError.self) { try await redis.ping() }
        }
    }
}
