import Testing

@testable import ASGIRedis

@Suite struct RedisErrorCodeTests {
    /// A route's answer decided by a switch on the code.
    func status(for error: RedisError) -> Int {
        switch error.code {
        case .notConnected, .timeout, .connectionLost: 503
        case .server, .unexpectedReply: 502
        case .invalidURL, .unsupportedCommand: 500
        }
    }

    @Test func everyKindHasItsCode() {
        let cases: [(RedisError, RedisError.Code)] = [
            (RedisError(.notConnected("refused")), .notConnected),
            (RedisError(.timeout(milliseconds: 5)), .timeout),
            (RedisError(.connectionLost("reset")), .connectionLost),
            (RedisError(.server("ERR wrong")), .server),
            (RedisError(.invalidURL("no host")), .invalidURL),
            (RedisError(.unexpectedReply("an array")), .unexpectedReply),
            (RedisError(.unsupportedCommand("SUBSCRIBE")), .unsupportedCommand),
        ]
        #expect(Set(cases.map(\.1)).count == cases.count)
        for (error, code) in cases {
            #expect(error.code == code)
            #expect(error.isUnavailable == (status(for: error) == 503))
            #expect(error.isTimeout == (code == .timeout))
            #expect((error.serverMessage != nil) == (code == .server))
        }
    }

    @Test func aBadURLIsInvalidURL() {
        do {
            _ = try RedisConfiguration(url: "http://example.com")
            Issue.record("an http URL must be refused")
        } catch {
            switch error.code {
            case .invalidURL: break
            default: Issue.record("unexpected code \(error.code)")
            }
        }
    }
}

@Suite struct RedisQueueTests {
    func command(_ deadline: UInt64) -> PendingCommand {
        PendingCommand(connectionID: deadline) { _ in }
    }

    @Test func deadlineQueueIsFirstInFirstOut() {
        var queue = DeadlineQueue()
        #expect(queue.isEmpty && queue.first == nil)
        let commands = (0..<5000).map { command(UInt64($0)) }
        for command in commands { queue.append(command) }
        #expect(queue.first === commands[0])
        for expected in commands.prefix(4000) { #expect(queue.removeFirst() === expected) }
        // Completed commands at the head go; the first pending one stops the drop.
        for command in commands[4000..<4010] { command.complete(.success(.null)) }
        queue.dropCompletedHead()
        #expect(queue.first === commands[4010])
        let rest = queue.removeAll()
        #expect(rest.count == 990 && rest.first === commands[4010] && rest.last === commands[4999])
        #expect(queue.isEmpty)
        // Usable again after draining a burst.
        queue.append(commands[0])
        #expect(queue.removeFirst() === commands[0] && queue.isEmpty)
    }

    @Test func eventQueueIsFirstInFirstOut() {
        var queue = EventQueue()
        #expect(queue.popFirst() == nil)
        for round in 0..<3 {
            for i in 0..<(round == 1 ? 100 : 3) { queue.append(.message(channel: "c", payload: [UInt8(i)])) }
            var seen: [UInt8] = []
            while let event = queue.popFirst() {
                guard case .message(_, let payload) = event else { Issue.record("\(event)"); return }
                seen += payload
            }
            #expect(seen == (0..<(round == 1 ? 100 : 3)).map { UInt8($0) })
            #expect(queue.count == 0)
        }
    }
}
