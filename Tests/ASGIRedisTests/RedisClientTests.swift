import Glibc
import Testing
import UVLoop

@testable import ASGIRedis

/// Live tests against a real redis-server started per test (serialized: some measure time).
@Suite(.serialized) struct RedisClientTests {
    @Test func roundTripsTextAndBinaryValues() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            #expect(redis.isConnected)
            #expect(try await redis.ping())

            try await redis.set("greeting", "héllo wörld")
            #expect(try await redis.get("greeting") == bytes("héllo wörld"))

            let allBytes = (0...255).map { UInt8($0) }
            try await redis.set(bytes("binary"), allBytes)
            #expect(try await redis.get(bytes("binary")) == allBytes)

            let tricky: [UInt8] = [0, 0x0D, 0x0A, 0x24, 0x2A, 0x00, 0x0D, 0x0A, 0xFF]
            try await redis.set(bytes("tricky"), tricky)
            #expect(try await redis.get(bytes("tricky")) == tricky)

            try await redis.set(bytes("empty"), [])
            #expect(try await redis.get(bytes("empty")) == [])

            #expect(try await redis.get("missing") == nil)
            #expect(try await redis.del("greeting", "missing") == 1)
            #expect(try await redis.get("greeting") == nil)

            #expect(try await redis.incr("counter") == 1)
            #expect(try await redis.incr("counter") == 2)
            #expect(try await redis.expire("counter", seconds: 100))
            #expect(try await redis.expire("missing", seconds: 100) == false)
            try await redis.set("ttl", "x", expireSeconds: 50)
            #expect(try await redis.command([bytes("TTL"), bytes("ttl")]) == .integer(50))

            // RESP errors come back as replies from command(), as thrown server errors from helpers.
            try await redis.set("text", "abc")
            let reply = try await redis.command([bytes("INCR"), bytes("text")])
            guard case .error(let message) = reply else { Issue.record("expected an error reply, got \(reply)"); return }
            #expect(message.hasPrefix("ERR"))
            do throws(RedisError) {
                _ = try await redis.incr("text")
                Issue.record("INCR of a non-integer must throw")
            } catch {
                #expect(error.serverMessage?.hasPrefix("ERR") == true && !error.isUnavailable)
            }
            #expect(try await redis.command([bytes("MGET"), bytes("text"), bytes("missing")]) == .array([.bulk(bytes("abc")), .null]))
            do throws(RedisError) {
                _ = try await redis.command([bytes("subscribe"), bytes("channel")])
                Issue.record("SUBSCRIBE must be refused")
            } catch {
                #expect(!error.isUnavailable && error.description.contains("not supported"))
            }
            #expect(try await redis.ping())
            await redis.close()
            #expect(!redis.isConnected)
        }
    }

    @Test func largeValuesSurvivePartialWritesAndReads() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            // 32 MiB through a debug build on a loaded 2-core machine: a generous timeout, as the
            // test is about partial writes and reads, not speed.
            let redis = try makeClient(url: url, loop: loop, commandTimeout: 30_000 * UInt64(testTimeScale))
            await redis.connect()
            let big = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
            // Several large SETs in one turn: far more than the socket buffer takes in one write.
            let stored = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<4 {
                    group.addTask { (try? await redis.set(bytes("big\(i)"), big)) != nil }
                }
                return await group.allSatisfy { $0 }
            }
            #expect(stored)
            for i in 0..<4 {
                let value = try await redis.get(bytes("big\(i)"))
                #expect(value?.count == big.count && value == big)
            }
            #expect(redis.stats.writes > 1)
            await redis.close()
        }
    }

    @Test func hostileKeysAreStoredAsExactBytes() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            try await redis.set("sentinel", "still here")
            let hostile: [[UInt8]] = [
                bytes("a b\r\nFLUSHALL"),
                bytes("a b\r\nFLUSHALL\r\n"),
                bytes("*1\r\n$8\r\nFLUSHALL\r\n"),
                bytes("x\r\nSET sentinel gone\r\n"),
                [0x00, 0x0A, 0x0D, 0x20],
            ]
            for (index, key) in hostile.enumerated() {
                try await redis.set(key, bytes("value \(index)"))
            }
            for (index, key) in hostile.enumerated() {
                #expect(try await redis.get(key) == bytes("value \(index)"))
            }
            #expect(try await redis.get("sentinel") == bytes("still here"))
            #expect(try await redis.command([bytes("DBSIZE")]) == .integer(Int64(hostile.count + 1)))
            #expect(try await redis.command([bytes("EXISTS"), bytes("a b")]) == .integer(0))
            await redis.close()
        }
    }

    @Test func thousandConcurrentCommandsAnswerEachRequest() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        let failures = try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let failures = await withTaskGroup(of: Int.self) { group in
                for i in 0..<1000 {
                    group.addTask {
                        do throws(RedisError) {
                            let key = bytes("key:\(i)")
                            let value = bytes("value:\(i):") + [UInt8(i % 256), 0, 13, 10]
                            try await redis.set(key, value)
                            guard try await redis.get(key) == value else { return 1 }
                            guard try await redis.incr("n:\(i)") == 1, try await redis.incr("n:\(i)") == 2 else { return 1 }
                            return 0
                        } catch {
                            return 1
                        }
                    }
                }
                return await group.reduce(0, +)
            }
            #expect(try await redis.command([bytes("DBSIZE")]) == .integer(2000))
            await redis.close()
            return failures
        }
        #expect(failures == 0)
    }

    @Test func concurrentCommandsInOneTurnShareWrites() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        let (commands, writes) = try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            try await redis.set("shared", "v")
            let before = redis.stats
            let ok = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<1000 {
                    group.addTask { (try? await redis.get("shared")) == bytes("v") }
                }
                return await group.allSatisfy { $0 }
            }
            #expect(ok)
            let after = redis.stats
            await redis.close()
            return (after.commandsSent - before.commandsSent, after.writes - before.writes)
        }
        print("pipelining: \(commands) commands in \(writes) writes")
        #expect(commands == 1000)
        #expect(writes >= 1 && writes * 10 <= commands)
    }

    @Test func authWithPassword() async throws {
        let server = try RedisServerProcess(arguments: ["--requirepass", "s3cret pass"])
        let port = server.port
        try await onLoop { loop in
            let good = try makeClient(url: "redis://:s3cret%20pass@127.0.0.1:\(port)", loop: loop)
            await good.connect()
            #expect(good.isConnected)
            try await good.set("auth", "ok")
            #expect(try await good.get("auth") == bytes("ok"))

            let withUser = try makeClient(url: "redis://default:s3cret%20pass@127.0.0.1:\(port)/0", loop: loop)
            await withUser.connect()
            #expect(try await withUser.get("auth") == bytes("ok"))

            let wrong = try makeClient(url: "redis://:wrong@127.0.0.1:\(port)", loop: loop)
            await wrong.connect()
            #expect(!wrong.isConnected)
            do throws(RedisError) {
                _ = try await wrong.get("auth")
                Issue.record("a wrong password must not give access")
            } catch {
                #expect(error.isUnavailable)
                #expect(error.description.contains("authentication failed"))
                #expect(error.description.contains("WRONGPASS") || error.description.contains("invalid password"))
            }

            // Without AUTH the handshake's PING gets NOAUTH: not connected, and commands say why.
            let none = try makeClient(url: "redis://127.0.0.1:\(port)", loop: loop)
            await none.connect()
            #expect(!none.isConnected)
            do throws(RedisError) {
                _ = try await none.get("auth")
                Issue.record("no password must not give access")
            } catch {
                #expect(error.isUnavailable && error.description.contains("NOAUTH"))
            }
            await good.close()
            await withUser.close()
            await wrong.close()
            await none.close()
        }
    }

    @Test func selectIsolatesDatabases() async throws {
        let server = try RedisServerProcess()
        let port = server.port
        try await onLoop { loop in
            let db1 = try makeClient(url: "redis://127.0.0.1:\(port)/1", loop: loop)
            let other = try makeClient(url: "redis://127.0.0.1:\(port)/2", loop: loop)
            let db0 = try makeClient(url: "redis://127.0.0.1:\(port)", loop: loop)
            await db1.connect()
            await other.connect()
            await db0.connect()
            try await db1.set("same", "one")
            try await other.set("same", "two")
            #expect(try await db1.get("same") == bytes("one"))
            #expect(try await other.get("same") == bytes("two"))
            #expect(try await db0.get("same") == nil)
            let invalid = try makeClient(url: "redis://127.0.0.1:\(port)/99", loop: loop)
            await invalid.connect()
            #expect(!invalid.isConnected)
            await #expect(throws: RedisError.self) { try await invalid.ping() }
            for client in [db1, other, db0, invalid] { await client.close() }
        }
    }

    @Test func unixSocketAndMissingSocket() async throws {
        let path = "/tmp/asgi-redis-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let server = try RedisServerProcess(arguments: ["--unixsocket", path, "--unixsocketperm", "700"])
        _ = server
        try await onLoop { loop in
            let redis = try makeClient(url: "unix://\(path)?db=3", loop: loop)
            await redis.connect()
            #expect(redis.isConnected)
            try await redis.set("over", "unix")
            #expect(try await redis.get("over") == bytes("unix"))

            let missing = try makeClient(url: "unix:///tmp/definitely-missing-\(getpid()).sock", loop: loop)
            await missing.connect()
            #expect(!missing.isConnected)
            await #expect(throws: RedisError.self) { try await missing.ping() }
            await redis.close()
            await missing.close()
        }
    }
}
