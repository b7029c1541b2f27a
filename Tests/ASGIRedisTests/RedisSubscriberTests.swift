import Glibc
import Testing
import UVLoop

@testable import ASGIRedis

/// Pub/sub against a real redis-server started per test.
@Suite(.serialized) struct RedisSubscriberTests {
    @Test func publishAndReceiveTextAndBinaryPayloads() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = try makeSubscriber(url: url, loop: loop)
            #expect(try await redis.publish(channel: "chat:room1", message: "nobody listens") == 0)

            let subscription = try await subscriber.subscribe("chat:room1")
            #expect(subscriber.isConnected && subscription.name == "chat:room1" && !subscription.isPattern)
            #expect(try await redis.publish(channel: "chat:room1", message: "héllo") == 1)
            let binary: [UInt8] = [0, 0xFF, 0xFE, 0x0D, 0x0A, 0x00, 0x24, 0xC3, 0x28, 0]
            #expect(try await redis.publish(channel: "chat:room1", message: binary) == 1)
            #expect(try await redis.publish(channel: bytes("chat:room1"), message: []) == 1)
            #expect(try await redis.publish(channel: "chat:room2", message: "elsewhere") == 0)

            #expect(
                await nextEvent(subscription, loop) == .event(.message(channel: "chat:room1", payload: bytes("héllo"))))
            #expect(await nextEvent(subscription, loop) == .event(.message(channel: "chat:room1", payload: binary)))
            #expect(await nextEvent(subscription, loop) == .event(.message(channel: "chat:room1", payload: [])))
            #expect(subscription.buffer.poll() == .empty)

            // A reader on another executor gets them too (and the hop back to the loop to cancel).
            let reader = Task.detached { () -> RedisPubSubEvent? in
                var iterator = subscription.events.makeAsyncIterator()
                return await iterator.next()
            }
            // Whether the reader waits already or not, it must get this message.
            #expect(try await redis.publish(channel: "chat:room1", message: "to a detached reader") == 1)
            #expect(await reader.value == .message(channel: "chat:room1", payload: bytes("to a detached reader")))
            #expect(subscriber.stats.messages == 4)
            await subscriber.close()
            await redis.close()
        }
    }

    @Test func localSubscriptionsShareOneRedisSubscription() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = try makeSubscriber(url: url, loop: loop)
            // 1,000 concurrent joins of one room, as 1,000 WebSocket clients would.
            let subscriptions = try await withThrowingTaskGroup(of: RedisSubscription.self) { group in
                for _ in 0..<1000 { group.addTask { try await subscriber.subscribe("room") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(subscriptions.count == 1000)
            #expect(try await commandCalls(redis, "subscribe") == 1)
            #expect(try await numsub(redis, "room") == 1)
            #expect(subscriber.stats.subscriptions == 1000 && subscriber.stats.channels == 1)
            // One Redis receiver, fanned out locally to every subscription.
            #expect(try await redis.publish(channel: "room", message: "to all") == 1)
            for subscription in subscriptions {
                #expect(
                    await nextEvent(subscription, loop) == .event(.message(channel: "room", payload: bytes("to all"))))
            }
            // A late joiner needs no command.
            let late = try await subscriber.subscribe("room")
            #expect(try await commandCalls(redis, "subscribe") == 1)

            // Leaving one by one: the UNSUBSCRIBE goes out only when the last one leaves.
            for subscription in subscriptions { subscription.cancel() }
            #expect(await nextEvent(subscriptions[0], loop) == .ended)
            await loop.sleep(milliseconds: 20)
            #expect(try await numsub(redis, "room") == 1)
            #expect(try await commandCalls(redis, "unsubscribe") == 0)
            #expect(try await redis.publish(channel: "room", message: "to the late one") == 1)
            #expect(await nextEvent(late, loop) == .event(.message(channel: "room", payload: bytes("to the late one"))))
            late.cancel()
            #expect(try await waitUntil(loop) { try await numsub(redis, "room") == 0 })
            #expect(try await commandCalls(redis, "unsubscribe") == 1)
            #expect(subscriber.stats.subscriptions == 0 && subscriber.stats.channels == 0)

            // Joining again subscribes again.
            let again = try await subscriber.subscribe("room")
            #expect(try await numsub(redis, "room") == 1)
            #expect(try await commandCalls(redis, "subscribe") == 2)
            _ = again
            await subscriber.close()
            await redis.close()
        }
    }

    @Test func releasingOrCancellingTheReaderUnsubscribes() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = try makeSubscriber(url: url, loop: loop)
            // Released without cancel(): deinit unsubscribes.
            do {
                let subscription = try await subscriber.subscribe("released")
                #expect(try await numsub(redis, "released") == 1)
                _ = subscription
            }
            #expect(try await waitUntil(loop) { try await numsub(redis, "released") == 0 })

            // The reading task is cancelled while it waits: its loop ends, the channel is left,
            // although the task (and so the sequence) is still alive.
            let subscription = try await subscriber.subscribe("cancelled")
            let reader = Task(executorPreference: loop.executor) { () -> Int in
                var count = 0
                for await _ in subscription.events { count += 1 }
                return count
            }
            _ = try await redis.publish(channel: "cancelled", message: "one")
            #expect(await waitUntil(loop) { subscriber.stats.messages == 1 })
            await loop.sleep(milliseconds: 5)
            reader.cancel()
            #expect(await reader.value == 1)
            #expect(try await waitUntil(loop) { try await numsub(redis, "cancelled") == 0 })
            #expect(subscriber.stats.subscriptions == 0)
            await subscriber.close()
            await redis.close()
        }
    }

    @Test func patternSubscriptionsNameTheMatchingChannel() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = try makeSubscriber(url: url, loop: loop)
            let pattern = try await subscriber.psubscribe("chat:*")
            let plain = try await subscriber.subscribe("chat:a")
            #expect(pattern.isPattern && pattern.name == "chat:*")
            #expect(try await redis.command([bytes("PUBSUB"), bytes("NUMPAT")]) == .integer(1))
            // One connection, matched by the channel and by the pattern: Redis counts 2 receivers.
            #expect(try await redis.publish(channel: "chat:a", message: "x") == 2)
            #expect(try await redis.publish(channel: "chat:b", message: [0xFF, 0]) == 1)
            #expect(try await redis.publish(channel: "other", message: "y") == 0)
            #expect(await nextEvent(pattern, loop) == .event(.message(channel: "chat:a", payload: bytes("x"))))
            #expect(await nextEvent(pattern, loop) == .event(.message(channel: "chat:b", payload: [0xFF, 0])))
            #expect(await nextEvent(plain, loop) == .event(.message(channel: "chat:a", payload: bytes("x"))))
            #expect(pattern.buffer.poll() == .empty && plain.buffer.poll() == .empty)
            pattern.cancel()
            #expect(
                try await waitUntil(loop) {
                    try await redis.command([bytes("PUBSUB"), bytes("NUMPAT")]) == .integer(0)
                })
            #expect(try await numsub(redis, "chat:a") == 1)
            await subscriber.close()
            #expect(await nextEvent(plain, loop) == .ended)
            await redis.close()
        }
    }

    @Test(.timeLimit(.minutes(1))) func redisRestartInterruptsAndResumes() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = try makeSubscriber(url: url, loop: loop)
            let room = try await subscriber.subscribe("room")
            let rooms = try await subscriber.psubscribe("room*")
            let second = try await subscriber.subscribe("room")
            _ = try await redis.publish(channel: "room", message: "before")
            for subscription in [room, rooms, second] {
                #expect(
                    await nextEvent(subscription, loop) == .event(.message(channel: "room", payload: bytes("before"))))
            }

            server.kill()
            for subscription in [room, rooms, second] {
                #expect(await nextEvent(subscription, loop) == .event(.interrupted))
            }
            #expect(!subscriber.isConnected)
            // While Redis is down a new subscription is refused at once.
            let refusedAt = milliseconds()
            do throws(RedisError) {
                _ = try await subscriber.subscribe("another")
                Issue.record("Redis is down")
            } catch {
                #expect(error.isUnavailable)
            }
            #expect(milliseconds() - refusedAt < 500)

            try server.start()
            for subscription in [room, rooms, second] {
                #expect(await nextEvent(subscription, loop, within: 5000) == .event(.resumed))
            }
            #expect(
                subscriber.stats.reconnects >= 1 && subscriber.stats.channels == 1 && subscriber.stats.patterns == 1)
            // The new server got one SUBSCRIBE and one PSUBSCRIBE for the three.
            #expect(await waitUntil(loop, within: 5000) { (try? await redis.ping()) == true })
            #expect(try await commandCalls(redis, "subscribe") == 1)
            #expect(try await commandCalls(redis, "psubscribe") == 1)
            #expect(try await redis.publish(channel: "room", message: "after") == 2)
            for subscription in [room, rooms, second] {
                #expect(
                    await nextEvent(subscription, loop) == .event(.message(channel: "room", payload: bytes("after"))))
            }
            await subscriber.close()
            await redis.close()
        }
    }

    @Test func subscribeThrowsWhenRedisIsUnreachable() async throws {
        let port = try RedisServerProcess.freePort()
        try await onLoop { loop in
            let subscriber = try makeSubscriber(url: "redis://127.0.0.1:\(port)", loop: loop)
            let started = milliseconds()
            do throws(RedisError) {
                _ = try await subscriber.subscribe("room")
                Issue.record("nothing listens")
            } catch {
                #expect(error.isUnavailable && error.description.contains("refused"))
            }
            do throws(RedisError) {
                _ = try await subscriber.psubscribe("room:*")
                Issue.record("nothing listens")
            } catch {
                #expect(error.isUnavailable)
            }
            #expect(milliseconds() - started < 500)
            #expect(subscriber.stats.subscriptions == 0)
            await subscriber.close()
            do throws(RedisError) {
                _ = try await subscriber.subscribe("room")
                Issue.record("closed")
            } catch {
                #expect(error.description.contains("closed"))
            }
        }
    }

    @Test func slowReaderKeepsTheNewestAndIsToldWhatWasDropped() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = try makeSubscriber(url: url, loop: loop, capacity: 8)
            let slow = try await subscriber.subscribe("firehose")
            let fast = try await subscriber.subscribe("firehose")
            let fastReader = Task(executorPreference: loop.executor) { () -> [RedisPubSubEvent] in
                var events: [RedisPubSubEvent] = []
                for await event in fast.events {
                    events.append(event)
                    if events.count == 100 { break }
                }
                return events
            }
            for i in 0..<100 { _ = try await redis.publish(channel: "firehose", message: "m\(i)") }
            #expect(await waitUntil(loop) { subscriber.stats.messages == 100 })
            // The reader that keeps up misses nothing.
            #expect(await fastReader.value == (0..<100).map { .message(channel: "firehose", payload: bytes("m\($0)")) })
            // The one that did not read holds only the 8 newest, after a marker for the 92 dropped.
            #expect(await nextEvent(slow, loop) == .event(.dropped(count: 92)))
            for i in 92..<100 {
                #expect(await nextEvent(slow, loop) == .event(.message(channel: "firehose", payload: bytes("m\(i)"))))
            }
            #expect(slow.buffer.poll() == .empty)
            #expect(subscriber.stats.droppedEvents == 92)
            await subscriber.close()
            #expect(await nextEvent(slow, loop) == .ended)
            await redis.close()
        }
    }

    @Test func subscriberConnectionHasTCPKeepalive() async throws {
        // A subscriber sends nothing while idle: without keepalive a silently vanished Redis
        // would never be noticed. The command client has command timeouts instead.
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        let port = server.port
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = try makeSubscriber(url: url, loop: loop)
            let subscription = try await subscriber.subscribe("idle")
            let timers = try connectionTimers(toPort: port)
            #expect(timers.count == 2)
            #expect(timers.filter { $0 == 2 }.count == 1, "one connection with a keepalive timer: \(timers)")
            subscription.cancel()
            await subscriber.close()
            await redis.close()
        }
    }

    @Test func closeEndsReadersAfterWhatIsBuffered() async throws {
        let server = try RedisServerProcess()
        let url = "redis://127.0.0.1:\(server.port)"
        try await onLoop { loop in
            let redis = try makeClient(url: url, loop: loop)
            await redis.connect()
            let subscriber = redis.makeSubscriber()
            let subscription = try await subscriber.subscribe("bye")
            _ = try await redis.publish(channel: "bye", message: "last")
            #expect(await waitUntil(loop) { subscriber.stats.messages == 1 })
            await subscriber.close()
            #expect(!subscriber.isConnected)
            #expect(await nextEvent(subscription, loop) == .event(.message(channel: "bye", payload: bytes("last"))))
            #expect(await nextEvent(subscription, loop) == .ended)
            #expect(try await waitUntil(loop) { try await numsub(redis, "bye") == 0 })
            await redis.close()
        }
    }
}

// MARK: - Helpers

func makeSubscriber(url: String, loop: EventLoop, capacity: Int = RedisSubscriber.defaultEventBufferCapacity) throws
    -> RedisSubscriber
{
    var configuration = try RedisConfiguration(url: url)
    configuration.maxBackoffMilliseconds = 200
    return RedisSubscriber(configuration: configuration, loop: loop, eventBufferCapacity: capacity)
}

enum NextEvent: Equatable {
    case event(RedisPubSubEvent)
    case ended
    case timedOut
}

/// The subscription's next event, bounded: a missing event fails the test instead of hanging it.
/// Polls the buffer between loop turns (the waiting path of `events` is covered by the readers
/// of the tests).
func nextEvent(_ subscription: RedisSubscription, _ loop: EventLoop, within milliseconds: UInt64 = 2000) async
    -> NextEvent
{
    let deadline = loop.now + milliseconds * UInt64(testTimeScale)
    while true {
        switch subscription.buffer.poll() {
        case .event(let event): return .event(event)
        case .end: return .ended
        case .empty: if loop.now >= deadline { return .timedOut }
        }
        await loop.sleep(milliseconds: 1)
    }
}

/// Polls `condition` every few milliseconds of loop time, up to `within`; returns whether it held.
func waitUntil(
    _ loop: EventLoop, within milliseconds: UInt64 = 2000, _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = loop.now + milliseconds * UInt64(testTimeScale)
    while loop.now < deadline {
        if try await condition() { return true }
        await loop.sleep(milliseconds: 5)
    }
    return try await condition()
}

/// Redis' own count of a command's calls (`INFO commandstats`), 0 when never called.
func commandCalls(_ redis: RedisClient, _ command: String) async throws -> Int {
    guard case .bulk(let info) = try await redis.command([bytes("INFO"), bytes("commandstats")]) else { return -1 }
    let prefix = "cmdstat_\(command):calls="
    for line in String(decoding: info, as: UTF8.self).split(whereSeparator: \.isNewline) where line.hasPrefix(prefix) {
        return Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? -1
    }
    return 0
}

/// The `timer_active` field of each established TCP connection to `port` (/proc/net/tcp: 0 none,
/// 1 retransmit, 2 keepalive).
func connectionTimers(toPort port: Int) throws -> [Int] {
    guard let file = fopen("/proc/net/tcp", "r") else { throw TestFailure("cannot read /proc/net/tcp") }
    defer { fclose(file) }
    var timers: [Int] = []
    var line = [CChar](repeating: 0, count: 512)
    let hex = String(port, radix: 16, uppercase: true)
    let remote = ":" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    while fgets(&line, Int32(line.count), file) != nil {
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .split(separator: " ")
        guard fields.count > 5, fields[2].hasSuffix(remote), fields[3] == "01" else { continue }
        timers.append(Int(fields[5].prefix { $0 != ":" }, radix: 16) ?? -1)
    }
    return timers
}

/// `PUBSUB NUMSUB channel`: how many connections are subscribed to it.
func numsub(_ redis: RedisClient, _ channel: String) async throws -> Int64 {
    guard case .array(let reply) = try await redis.command([bytes("PUBSUB"), bytes("NUMSUB"), bytes(channel)]),
        reply.count == 2, case .integer(let count) = reply[1]
    else { return -1 }
    return count
}

extension SubscriptionBuffer.Poll: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.event(let a), .event(let b)): a == b
        case (.end, .end), (.empty, .empty): true
        default: false
        }
    }
}
