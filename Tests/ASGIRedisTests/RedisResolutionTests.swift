import ASGIRedis
import Foundation
import Synchronization
import Testing
import UVLoop

/// A host name in the Redis URL is looked up again before every (re)connect, and every address
/// of the answer is tried: a Redis restarted at a new address (a compose or Kubernetes restart)
/// is found again.
@Suite(.serialized) struct RedisResolutionTests {
    /// A resolver whose answer the test changes; it answers on a later loop turn, like a lookup.
    final class MovableName: Sendable {
        let addresses: Mutex<[String]>
        let lookups = Atomic<Int>(0)
        init(_ addresses: [String]) { self.addresses = Mutex(addresses) }

        var resolver: RedisHostResolver {
            RedisHostResolver { [self] host, _, loop, completion in
                lookups.add(1, ordering: .relaxed)
                let answer = host == "redis.test" ? addresses.withLock { $0 } : []
                let timer = LoopTimer(loop: loop)
                timer.start(after: 1) {
                    timer.close()
                    completion(answer.isEmpty ? .failure(UVError(-3008)) : .success(answer))
                }
                return {}
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func reconnectFollowsTheNameToANewAddress() async throws {
        let first = try RedisServerProcess(host: "127.0.0.1")
        let second = try RedisServerProcess(port: first.port, host: "127.0.0.2")
        let name = MovableName(["127.0.0.1"])
        let port = first.port
        try await onLoop { loop in
            var configuration = try RedisConfiguration(url: "redis://redis.test:\(port)")
            configuration.maxBackoffMilliseconds = 100
            let redis = RedisClient(configuration: configuration, loop: loop, resolver: name.resolver)
            await redis.connect()
            #expect(redis.isConnected)
            try await redis.set(bytes("where"), bytes("first"))

            // Redis "moves": the name now points at the second server, the first one dies.
            name.addresses.withLock { $0 = ["127.0.0.2"] }
            first.kill()
            try await second.setDirectly("where", "second")
            var value: [UInt8]?
            for _ in 0..<200 {
                if redis.isConnected, let found = try? await redis.get(bytes("where")), found == bytes("second") {
                    value = found
                    break
                }
                await loop.sleep(milliseconds: 20)
            }
            #expect(value == bytes("second"), "the client must reach the server at the new address")
            #expect(name.lookups.load(ordering: .relaxed) >= 2, "the name is looked up again on reconnect")
            await redis.close()
        }
    }

    @Test(.timeLimit(.minutes(1))) func everyAddressOfTheAnswerIsTried() async throws {
        let server = try RedisServerProcess(host: "127.0.0.2")
        // Nothing listens on 127.0.0.3 at that port: refused, then the next address is tried.
        let name = MovableName(["127.0.0.3", "127.0.0.2"])
        let port = server.port
        try await onLoop { loop in
            let configuration = try RedisConfiguration(url: "redis://redis.test:\(port)")
            let redis = RedisClient(configuration: configuration, loop: loop, resolver: name.resolver)
            await redis.connect()
            #expect(redis.isConnected)
            #expect(try await redis.command([bytes("PING")]) == .status("PONG"))
            await redis.close()
        }
    }

    @Test(.timeLimit(.minutes(1))) func systemResolverFindsLocalhost() async throws {
        let server = try RedisServerProcess()
        let port = server.port
        try await onLoop { loop in
            let redis = try makeClient(url: "redis://localhost:\(port)", loop: loop)
            await redis.connect()
            // localhost may answer ::1 first; the IPv4 address is tried next.
            #expect(redis.isConnected)
            await redis.close()
        }
    }

    @Test(.timeLimit(.minutes(1))) func unknownNameIsUnavailableNotFatal() async throws {
        try await onLoop { loop in
            let redis = try makeClient(url: "redis://no-such-host.invalid:6379", loop: loop)
            await redis.connect()
            #expect(!redis.isConnected)
            do throws(RedisError) {
                _ = try await redis.get(bytes("k"))
                Issue.record("a command without a connection must fail")
            } catch {
                #expect(error.isUnavailable)
                #expect("\(error)".contains("no-such-host.invalid"), "\(error)")
            }
            await redis.close()
        }
    }

    @Test func lookupOnTheLoopThread() async throws {
        let thread = try LoopThread()
        let loop = thread.loop
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[String], UVError>, Never>) in
            loop.execute {
                HostLookup.start(loop: loop, host: "localhost", port: 80) { continuation.resume(returning: $0) }
            }
        }
        #expect((try? result.get())?.contains("127.0.0.1") == true, "\(result)")
        #expect(thread.stopAndJoin() == 0)
    }
}

extension RedisServerProcess {
    /// SET with redis-cli (not the client under test).
    func setDirectly(_ key: String, _ value: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-h", host, "-p", "\(port)", "SET", key, value]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let reply = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard reply.hasPrefix("OK") else { throw TestFailure("SET failed: \(reply)") }
    }
}
