import CHiredis
import Testing
import UVLoop

@testable import ASGIRedis

/// The subscription state machine in process: replies in, commands out, no socket.
@Suite(.timeLimit(.minutes(1))) struct SubscriptionTableTests {
    /// What the table sent, and its stall reports.
    final class Wire: @unchecked Sendable {
        // Safety: used from the test's loop task only.
        var commands: [[String]] = []
        var stalls: [String] = []

        func take() -> [[String]] {
            defer { commands = [] }
            return commands
        }
    }

    static func makeTable(_ loop: EventLoop, _ wire: Wire, confirmTimeout: UInt64 = 1000) -> SubscriptionTable {
        SubscriptionTable(
            loop: loop, confirmTimeoutMilliseconds: confirmTimeout,
            send: { args in
                wire.commands.append(args.map { String(decoding: $0, as: UTF8.self) })
                return true
            },
            onStall: { wire.stalls.append($0) })
    }

    @Test func oneBatchPerTurnAndNoSubscribeBehindAnUnsubscribe() async throws {
        try await onLoop { loop in
            let wire = Wire()
            nonisolated(unsafe) let table = Self.makeTable(loop, wire)
            table.linkReady()
            let a = SubscriptionBuffer(capacity: 4), b = SubscriptionBuffer(capacity: 4)
            let p = SubscriptionBuffer(capacity: 4), a2 = SubscriptionBuffer(capacity: 4)
            async let joinA = table.join(a, name: "a", isPattern: false)
            async let joinB = table.join(b, name: "b", isPattern: false)
            async let joinP = table.join(p, name: "p*", isPattern: true)
            await loop.sleep(milliseconds: 1)
            var sent = wire.take()
            #expect(sent.count == 2)
            #expect(sent.first?.first == "SUBSCRIBE" && Set(sent.first?.dropFirst() ?? []) == ["a", "b"])
            #expect(sent.last == ["PSUBSCRIBE", "p*"])
            #expect(table.outstanding == 3)
            // Joining a name already in flight sends nothing more.
            async let joinA2 = table.join(a2, name: "a", isPattern: false)
            await loop.sleep(milliseconds: 1)
            #expect(wire.take().isEmpty)

            table.receive(.confirmed(.subscribe, name: bytes("a")))
            table.receive(.confirmed(.subscribe, name: bytes("b")))
            table.receive(.confirmed(.psubscribe, name: bytes("p*")))
            let joined = await [joinA, joinB, joinP, joinA2]
            #expect(joined.allSatisfy { !$0.isFailure })
            #expect(table.counters.channels == 2 && table.counters.patterns == 1 && table.counters.subscriptions == 4)
            #expect(table.outstanding == 0)

            // Fan-out: both listeners of "a", the pattern with the concrete channel; strays ignored.
            table.receive(.message(channel: bytes("a"), payload: [0, 0xFF]))
            table.receive(.patternMessage(pattern: bytes("p*"), channel: bytes("px"), payload: bytes("m")))
            table.receive(.message(channel: bytes("zzz"), payload: bytes("stray")))
            #expect(a.poll() == .event(.message(channel: "a", payload: [0, 0xFF])))
            #expect(a2.poll() == .event(.message(channel: "a", payload: [0, 0xFF])))
            #expect(p.poll() == .event(.message(channel: "px", payload: bytes("m"))))
            #expect(b.poll() == .empty)

            // The last listener of "a" leaves: UNSUBSCRIBE. Joins during it wait for its
            // confirmation, then go out together in the next batch.
            table.leave(a)
            await loop.sleep(milliseconds: 1)
            #expect(wire.take().isEmpty)
            table.leave(a2)
            await loop.sleep(milliseconds: 1)
            #expect(wire.take() == [["UNSUBSCRIBE", "a"]])
            let a3 = SubscriptionBuffer(capacity: 4), x = SubscriptionBuffer(capacity: 4)
            async let joinA3 = table.join(a3, name: "a", isPattern: false)
            async let joinX = table.join(x, name: "x", isPattern: false)
            await loop.sleep(milliseconds: 1)
            #expect(wire.take().isEmpty)
            table.receive(.confirmed(.unsubscribe, name: bytes("a")))
            sent = wire.take()
            #expect(
                sent.count == 1 && sent.first?.first == "SUBSCRIBE" && Set(sent.first?.dropFirst() ?? []) == ["a", "x"])
            table.receive(.confirmed(.subscribe, name: bytes("x")))
            table.receive(.confirmed(.subscribe, name: bytes("a")))
            let rejoined = await [joinA3, joinX]
            #expect(rejoined.allSatisfy { !$0.isFailure })
            #expect(table.counters.channels == 3 && table.counters.subscriptions == 4)
            table.close()
        }
    }

    @Test func lossInterruptsListenersFailsJoinsAndResubscribesInOneBatch() async throws {
        try await onLoop { loop in
            let wire = Wire()
            nonisolated(unsafe) let table = Self.makeTable(loop, wire)
            table.linkReady()
            let a = SubscriptionBuffer(capacity: 4), p = SubscriptionBuffer(capacity: 4)
            async let joinA = table.join(a, name: "a", isPattern: false)
            async let joinP = table.join(p, name: "p*", isPattern: true)
            await loop.sleep(milliseconds: 1)
            table.receive(.confirmed(.subscribe, name: bytes("a")))
            table.receive(.confirmed(.psubscribe, name: bytes("p*")))
            let joined = await [joinA, joinP]
            #expect(joined.allSatisfy { !$0.isFailure })
            _ = wire.take()

            let late = SubscriptionBuffer(capacity: 4)
            async let joinLate = table.join(late, name: "late", isPattern: false)
            await loop.sleep(milliseconds: 1)
            #expect(wire.take() == [["SUBSCRIBE", "late"]])
            table.linkLost(reason: "gone")
            table.linkLost(reason: "gone again")  // the next failed attempt: no second marker
            let lateResult = await joinLate
            switch lateResult {
            case .success: Issue.record("the join in flight must fail")
            case .failure(let error): #expect(error.isUnavailable && error.description.contains("gone"))
            }
            #expect(a.poll() == .event(.interrupted) && a.poll() == .empty)
            #expect(p.poll() == .event(.interrupted))
            #expect(table.counters.channels == 0 && table.counters.subscriptions == 2)
            // A message of the dead connection's era is not expected, but must not confuse it.
            table.linkReady()
            #expect(wire.take() == [["SUBSCRIBE", "a"], ["PSUBSCRIBE", "p*"]])
            table.receive(.confirmed(.subscribe, name: bytes("a")))
            #expect(a.poll() == .event(.resumed))
            #expect(p.poll() == .empty)
            table.receive(.confirmed(.psubscribe, name: bytes("p*")))
            #expect(p.poll() == .event(.resumed))
            #expect(table.counters.channels == 1 && table.counters.patterns == 1)

            // close: readers drain, then end; a join in flight fails.
            table.receive(.message(channel: bytes("a"), payload: bytes("last")))
            let waiting = SubscriptionBuffer(capacity: 4)
            async let joinWaiting = table.join(waiting, name: "w", isPattern: false)
            await loop.sleep(milliseconds: 1)
            table.close()
            let waitingResult = await joinWaiting
            #expect(waitingResult.isFailure)
            #expect(a.poll() == .event(.message(channel: "a", payload: bytes("last"))))
            #expect(a.poll() == .end)
            let afterClose = await table.join(SubscriptionBuffer(capacity: 1), name: "a", isPattern: false)
            #expect(afterClose.isFailure)
        }
    }

    @Test func unconfirmedBatchReportsAStall() async throws {
        try await onLoop { loop in
            let wire = Wire()
            nonisolated(unsafe) let table = Self.makeTable(loop, wire, confirmTimeout: 20)
            table.linkReady()
            let buffer = SubscriptionBuffer(capacity: 1)
            async let join = table.join(buffer, name: "silent", isPattern: false)
            await loop.sleep(milliseconds: 80)
            #expect(wire.stalls.count == 1 && wire.stalls.first?.contains("20 ms") == true)
            table.linkLost(reason: wire.stalls.first ?? "")
            let result = await join
            #expect(result.isFailure)
            table.close()
        }
    }

    @Test func bufferDropsOldestAndReportsTheGap() {
        let buffer = SubscriptionBuffer(capacity: 3)
        for i in 0..<5 { buffer.yield(.message(channel: "c", payload: [UInt8(i)])) }
        #expect(buffer.poll() == .event(.dropped(count: 2)))
        #expect(buffer.poll() == .event(.message(channel: "c", payload: [2])))
        buffer.yield(.interrupted)
        #expect(buffer.poll() == .event(.message(channel: "c", payload: [3])))
        #expect(buffer.poll() == .event(.message(channel: "c", payload: [4])))
        #expect(buffer.poll() == .event(.interrupted))
        #expect(buffer.poll() == .empty)
        buffer.yield(.resumed)
        buffer.terminate()
        #expect(buffer.poll() == .end)
        #expect(buffer.yield(.resumed))  // ignored after the end, never counted as a drop
        #expect(buffer.poll() == .end)
    }

    @Test func pushesAreReadFromRESPBytes() throws {
        func parse(_ wire: [UInt8]) throws -> PubSubReply? {
            let reader = try #require(redisReaderCreate())
            defer { redisReaderFree(reader) }
            _ = wire.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { redisReaderFeed(reader, $0.baseAddress, $0.count) }
            }
            var reply: UnsafeMutableRawPointer?
            #expect(redisReaderGetReply(reader, &reply) == REDIS_OK)
            let object = try #require(reply)
            defer { freeReplyObject(object) }
            return PubSubReply(copying: object.assumingMemoryBound(to: redisReply.self))
        }
        #expect(
            try parse(
                bytes("*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\n") + [0, 0xFF, 0x0D, 0x0A, 0xC3] + bytes("\r\n"))
                == .message(channel: bytes("room"), payload: [0, 0xFF, 0x0D, 0x0A, 0xC3]))
        #expect(
            try parse(bytes("*4\r\n$8\r\npmessage\r\n$2\r\nr*\r\n$2\r\nrx\r\n$0\r\n\r\n"))
                == .patternMessage(pattern: bytes("r*"), channel: bytes("rx"), payload: []))
        #expect(
            try parse(bytes("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n")) == .confirmed(.subscribe, name: bytes("a")))
        #expect(
            try parse(bytes("*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n"))
                == .confirmed(.punsubscribe, name: bytes("p*")))
        #expect(try parse(bytes("*2\r\n$4\r\npong\r\n$0\r\n\r\n")) == nil)
        #expect(try parse(bytes("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n:5\r\n")) == nil)
        #expect(try parse(bytes("+OK\r\n")) == nil)
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
