import CHiredis
import CRedisUV
import Logging
import UVLoop

// Connection life cycle: connect → handshake (AUTH, SELECT, PING) → ready → lost → backoff → ...
// Every hiredis callback lands here through RedisConnection; callbacks of a connection that is no
// longer `current` (abandoned after a timeout or close) are ignored.
extension RedisClient {
    /// Starts connecting and returns once the first attempt finished, connected or not. After a
    /// failure the client keeps retrying in the background (50 ms doubling to
    /// ``RedisConfiguration/maxBackoffMilliseconds``).
    nonisolated(nonsending) public func connect() async {
        precondition(loop.isInLoopThread, "RedisClient is confined to its loop's thread")
        switch state {
        case .idle, .waiting: startAttempt()
        case .connecting, .handshaking, .ready, .closed: break
        }
        if state == .connecting || state == .handshaking {
            await withUnsafeContinuation { attemptWaiters.append($0) }
        }
    }

    /// Disconnects, fails pending commands, stops reconnecting, and returns once every hiredis
    /// context and libuv handle of this client is gone (the loop can then close with 0).
    nonisolated(nonsending) public func close() async {
        precondition(loop.isInLoopThread, "RedisClient is confined to its loop's thread")
        if state != .closed {
            state = .closed
            lastError = "client closed"
            timeoutTimer.close()
            connectTimer.close()
            reconnectTimer.close()
            if let connection = current {
                current = nil
                connection.closeContext(reason: "client closed")
            }
            for command in deadlines.removeAll() {
                command.complete(.failure(RedisError(.connectionLost("client closed"))))
            }
            cancelLookup()
            resumeAttemptWaiters()
            logger.debug("redis client closed", metadata: ["redis": "\(configuration)"])
        }
        if openConnections > 0 {
            await withUnsafeContinuation { closeWaiters.append($0) }
        }
    }

    /// Opens a hiredis context to one numeric address (or the Unix socket) for the current attempt.
    func openConnection(to endpoint: RedisConfiguration.Endpoint) {
        nextConnectionID += 1
        let connection = RedisConnection(client: self, id: nextConnectionID)
        let owner = Unmanaged.passRetained(connection).toOpaque()
        var hooks = RedisConnection.hooks()
        var message = [CChar](repeating: 0, count: 256)
        let adapter: OpaquePointer? =
            switch endpoint {
            case .tcp(let host, let port):
                credisuv_connect(loop.raw, host, Int32(port), nil, &hooks, owner, writeCounter, &message, message.count)
            case .unix(let path):
                credisuv_connect(loop.raw, nil, 0, path, &hooks, owner, writeCounter, &message, message.count)
            }
        guard let adapter else {
            Unmanaged<RedisConnection>.fromOpaque(owner).release()
            attemptFailed(reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            return
        }
        connection.adapter = adapter
        openConnections += 1
        current = connection
        connectTimer.start(after: configuration.connectTimeoutMilliseconds) { [unowned self] in
            self.connectTimedOut()
        }
    }

    /// hiredis' connect callback: the socket connected (then send the handshake) or failed (then
    /// hiredis frees the context itself, without a disconnect callback).
    func connectFinished(_ connection: RedisConnection, ok: Bool, error: String?) {
        guard connection === current, state == .connecting else { return }
        guard ok else {
            current = nil
            attemptFailed(reason: error ?? "connect failed")
            return
        }
        state = .handshaking
        sendHandshake(on: connection)
    }

    /// AUTH and SELECT (when configured) and a PING, pipelined in one write. Inside the connect
    /// callback: no context may be freed here, so failures are deferred to the end of the turn.
    private func sendHandshake(on connection: RedisConnection) {
        guard let adapter = connection.adapter else { return }
        var steps: [(String, [[UInt8]])] = []
        if let password = configuration.password {
            var auth = [Array("AUTH".utf8)]
            if let username = configuration.username { auth.append(Array(username.utf8)) }
            auth.append(Array(password.utf8))
            steps.append(("authentication failed", auth))
        }
        if configuration.database != 0 {
            steps.append(("SELECT \(configuration.database) failed", [Array("SELECT".utf8), Array(String(configuration.database).utf8)]))
        }
        for (what, args) in steps {
            send(
                PendingCommand(connectionID: connection.id) { [unowned connection] result in
                    if case .success(.error(let message)) = result, connection.handshakeFailure == nil {
                        connection.handshakeFailure = "\(what): \(message)"
                    }
                }, args, on: adapter)
        }
        send(
            PendingCommand(connectionID: connection.id) { [unowned self, unowned connection] result in
                self.handshakeFinished(connection, result)
            }, [Array("PING".utf8)], on: adapter)
    }

    private func handshakeFinished(_ connection: RedisConnection, _ result: Result<RedisReply, RedisError>) {
        guard connection === current, state == .handshaking else { return }
        // A failure (NULL reply) means the connection went away: the disconnect callback follows.
        guard case .success(let reply) = result else { return }
        if let failure = connection.handshakeFailure {
            connection.requestDrop(reason: failure)
        } else if case .error(let message) = reply {
            connection.requestDrop(reason: "PING failed: \(message)")
        } else if reply != .status("PONG") {
            connection.requestDrop(reason: "unexpected PING reply \(reply)")
        } else {
            becameReady()
        }
    }

    private func becameReady() {
        connectTimer.stop()
        state = .ready
        if everReady {
            counters.reconnects += 1
            metrics.reconnects.increment()
            logger.info("redis reconnected", metadata: ["redis": "\(configuration)"])
        } else {
            logger.info("redis connected", metadata: ["redis": "\(configuration)"])
        }
        everReady = true
        outageLogged = false
        backoff = Self.initialBackoffMilliseconds
        lastError = ""
        linkObserver?.linkReady()
        resumeAttemptWaiters()
    }

    /// hiredis' disconnect callback (a connected context is gone; pending commands already failed).
    func connectionLost(_ connection: RedisConnection, error: String?) {
        guard connection === current else { return }
        current = nil
        let reason = error ?? "connection closed"
        switch state {
        case .ready:
            lostReady(reason: reason)
        case .handshaking, .connecting:
            attemptFailed(reason: reason)
        case .idle, .waiting, .closed:
            break
        }
    }

    /// Frees the current connection's context ourselves (handshake failure, command timeout).
    func dropConnection(_ connection: RedisConnection, reason: String) {
        guard connection === current else { return }
        let wasReady = state == .ready
        current = nil
        connection.closeContext(reason: reason)
        if wasReady {
            lostReady(reason: reason)
        } else {
            attemptFailed(reason: reason)
        }
    }

    private func connectTimedOut() {
        guard let connection = current, state == .connecting || state == .handshaking else { return }
        dropConnection(connection, reason: "connect timed out after \(configuration.connectTimeoutMilliseconds) ms")
    }

    /// The adapter of `connection` closed its handle: the context is gone for good.
    func connectionClosed(_ connection: RedisConnection) {
        operationEnded()
    }

    /// An adapter or a host lookup that ``close()`` waits for has finished.
    func operationEnded() {
        openConnections -= 1
        if openConnections == 0 && state == .closed {
            let waiters = closeWaiters
            closeWaiters = []
            for waiter in waiters { waiter.resume() }
        }
    }

    private func lostReady(reason: String) {
        lastError = reason
        state = .waiting
        outageLogged = true
        logger.warning("redis connection lost, reconnecting", metadata: ["redis": "\(configuration)", "reason": "\(reason)"])
        linkObserver?.linkLost(reason: reason)
        scheduleReconnect()
    }

    func attemptFailed(reason: String) {
        connectTimer.stop()
        lastError = reason
        guard state != .closed else { return }
        if state == .connecting, tryNextAddress(after: reason) { return }
        state = .waiting
        if outageLogged {
            logger.debug("redis connect failed", metadata: ["redis": "\(configuration)", "reason": "\(reason)"])
        } else {
            outageLogged = true
            logger.warning(
                "redis connect failed, retrying in the background",
                metadata: ["redis": "\(configuration)", "reason": "\(reason)"])
        }
        scheduleReconnect()
        resumeAttemptWaiters()
    }

    private func scheduleReconnect() {
        let delay = backoff
        backoff = min(backoff * 2, max(configuration.maxBackoffMilliseconds, Self.initialBackoffMilliseconds))
        reconnectTimer.start(after: delay) { [unowned self] in
            if self.state == .waiting { self.startAttempt() }
        }
    }

    private func resumeAttemptWaiters() {
        let waiters = attemptWaiters
        attemptWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
