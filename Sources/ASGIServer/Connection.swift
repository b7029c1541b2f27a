import ASGI
import HTTP1
import Logging
import UVLoop

/// One client connection: bytes from the socket → HTTP1 parser → an ``Exchange`` per request →
/// response bytes back to the socket. Loop thread only.
///
/// Pipelining: the parser stops after each complete request; bytes of later requests wait in
/// `pending` until the current response is complete, so responses go out strictly in request
/// order. Writes are coalesced: responses are appended to `out` and written once per loop turn
/// (`flushAtEndOfTurn`), so 16 pipelined requests cost one `write(2)`.
final class Connection: @unchecked Sendable, ServedConnection {
    // Safety: loop-confined. Created by ServerCore on the loop thread; every entry point (stream
    // and parser callbacks, Exchange calls) runs there; tasks that capture it use the loop executor.
    enum State { case open, closing, lingering, closed }
    enum TimerKind { case none, header, keepAlive, bodyRead, send, linger }

    /// Strong: an application task may keep its exchange (and so this connection) after the
    /// server stopped; the cycle with the core's connection table ends when the connection closes.
    let core: ServerCore
    let stream: any ConnectionTransport
    let parser: RequestParser
    let client: Scope.Address?
    @exclusivity(unchecked) private(set) var exchange: Exchange?
    @exclusivity(unchecked) private(set) var state = State.open
    /// Bytes read but not parsed yet: later pipelined requests.
    @exclusivity(unchecked) var pending: [UInt8] = []
    @exclusivity(unchecked) private var pendingStart = 0
    /// Response bytes waiting for the end-of-turn flush.
    @exclusivity(unchecked) var out: [UInt8] = []
    /// A file of the current response is going out with sendfile: nothing else may be written.
    @exclusivity(unchecked) var sendingFile = false
    @exclusivity(unchecked) var flushScheduled = false
    /// False once the server wants this connection closed after the current response.
    @exclusivity(unchecked) private(set) var keepAlive = true
    @exclusivity(unchecked) var readPausedForBody = false
    @exclusivity(unchecked) private var readPausedForPending = false
    /// The connection's one timer and what it is armed for (Connection+Timers.swift).
    @exclusivity(unchecked) var timer: TimerHandle?
    @exclusivity(unchecked) var timerKind = TimerKind.none
    /// Loop time (ms) at which `timerKind` is due, and at which the libuv timer fires (0: not
    /// running); the second is never later than the first while a kind is armed.
    @exclusivity(unchecked) var timerDeadline: UInt64 = 0
    @exclusivity(unchecked) var timerDue: UInt64 = 0
    @exclusivity(unchecked) private var lastResponseEnd: UInt64
    /// A parse error or 503 answered directly: ignore parser events until closed.
    @exclusivity(unchecked) private var rejecting = false
    /// Whether the peer is in `--forwarded-allow-ips` (computed on the first request).
    @exclusivity(unchecked) private var peerTrusted: Bool?
    /// Responses completed on this connection.
    @exclusivity(unchecked) private var requestsServed = 0
    /// A valid WebSocket upgrade was parsed: the bytes after its head belong to the WebSocket.
    /// Boxed: one pointer in every connection, not a request head's worth of inline storage.
    @exclusivity(unchecked) private var upgrade: PendingUpgrade?

    init(core: ServerCore, stream: any ConnectionTransport) {
        self.core = core
        self.stream = stream
        self.parser = RequestParser(limits: core.parserLimits)
        self.lastResponseEnd = core.loop.now
        if let peer = stream.peerAddress {
            client = Scope.Address(host: peer.host, port: peer.port)
        } else {
            client = nil
        }
    }

    func start() {
        parser.delegate = self
        stream.delegate = self
        stream.startReading()
        armTimer(.header, after: core.config.timeoutHeader)
    }

    // MARK: Reading

    /// Feeds the parser until it stops: at the end of `bytes`, or after a complete request whose
    /// response is still being produced. Returns how many bytes it used.
    private func parse(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count, state == .open, !rejecting {
            if let exchange, exchange.messageComplete { break }
            do {
                switch try parser.feed(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
                case .needMore:
                    return bytes.count
                case .messageComplete(let consumed):
                    offset += consumed
                    if upgrade != nil { return offset }
                }
            } catch {
                reject(error)
                return bytes.count
            }
        }
        return offset
    }

    /// Parses queued pipelined bytes once the connection is ready for the next request.
    private func drainPending() {
        while pendingStart < pending.count, state == .open, !rejecting {
            if let exchange, exchange.messageComplete { return }
            let start = pendingStart
            let used = pending.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            pendingStart += used
            if upgrade != nil {
                let rest = Array(pending[pendingStart...])
                rest.withUnsafeBytes { handOff(leftover: $0) }
                return
            }
            if used == 0 { break }
        }
        if pendingStart >= pending.count {
            pending = []
            pendingStart = 0
            if readPausedForPending {
                readPausedForPending = false
                resumeReadingIfAllowed()
            }
        }
    }

    func resumeReadingIfAllowed() {
        guard state == .open, !readPausedForBody, !readPausedForPending else { return }
        stream.startReading()
    }

    // MARK: Closing

    /// Closes once everything queued is written (after a `connection: close` response or an error).
    private func closeAfterFlush() {
        guard state == .open else { return }
        state = .closing
        // A client that does not read the end of the response must not hold the connection.
        armTimer(.send, after: core.config.timeoutSend)
        stream.stopReading()
        scheduleFlush()
    }

    /// Called after flushes and write completions while closing: half-close, then linger briefly
    /// reading and discarding, so the client reads our response before any reset.
    func continueClosing() {
        guard state == .closing, out.isEmpty, !sendingFile, stream.queuedWriteBytes == 0 else { return }
        state = .lingering
        stream.shutdown { [self] error in
            guard state == .lingering else { return }
            if error != nil { close(); return }
            armTimer(.linger, after: 1)
            stream.startReading()
        }
    }

    /// Server shutdown: every connection gets its current or next response with
    /// `connection: close`, then closes — bounded by the graceful-shutdown timeout. An idle
    /// keep-alive connection closes after a short grace: a client that sends its next request
    /// as soon as a response arrives has it on the wire already, and closing under it would
    /// lose it (seen with wrk during rolling restarts). A just-accepted connection gets 1 s.
    func shutdownGracefully() {
        keepAlive = false
        guard exchange == nil, state == .open else { return }
        if requestsServed > 0 && parser.isIdle && pendingStart >= pending.count {
            armTimer(.keepAlive, after: min(core.config.timeoutKeepAlive, Self.idleShutdownGrace))
        } else if timerKind == .header {
            // A fresh connection's first request is usually already in flight: give it a moment.
            armTimer(.header, after: min(core.config.timeoutHeader, 1))
        }
    }

    /// Seconds an idle keep-alive connection stays open after shutdown began.
    static let idleShutdownGrace = 0.25

    /// Closes at once, dropping unsent bytes; the current request sees `http.disconnect` (peer
    /// gone, socket error, graceful-shutdown timeout, a response that cannot be completed).
    func close() {
        guard state != .closed else { return }
        state = .closed
        closeTimer()
        out = []
        pending = []
        core.forgetSpareExchanges(of: self)
        if let exchange {
            self.exchange = nil
            exchange.connectionLost()
        }
        stream.close()
        core.connectionClosed(self)
    }
}

extension Connection {
    /// A request head arrived: build the scope and start the application on the loop executor.
    private func startExchange(_ head: consuming RequestHead) {
        let request = RequestFacts(head)
        let scope = makeScope(for: consume head, peerTrusted: isPeerTrusted())
        let exchange: Exchange
        if let spare = core.takeSpareExchange() {
            spare.reuse(for: request, scope: scope, on: self)
            exchange = spare
        } else {
            exchange = Exchange(connection: self, request: request, scope: scope)
        }
        self.exchange = exchange
        core.activeRequests += 1
        exchange.client = scope.client
        core.requestTasks.run(exchange, scope: scope)
    }

    /// The response of `exchange` is complete: log it, then serve the next request or close.
    func responseDone(_ exchange: Exchange, keepAlive responseKeepAlive: Bool) {
        if core.config.accessLog { logAccess(exchange) }
        if let metrics = core.metrics {
            metrics.requestCompleted(method: exchange.scope?.method ?? "", status: exchange.status, startedAt: exchange.metricsStart)
        }
        core.requestCompleted()
        guard self.exchange === exchange, state == .open else { return }
        self.exchange = nil
        requestsServed += 1
        lastResponseEnd = core.loop.now
        // A body the application did not read cannot be skipped cheaply: close instead.
        guard responseKeepAlive, keepAlive, exchange.messageComplete, !core.isShuttingDown else {
            closeAfterFlush()
            return
        }
        // Only a connection that goes on offers its exchange: a closing one would take it back.
        core.keepSpareExchange(exchange)
        if readPausedForBody {
            readPausedForBody = false
            resumeReadingIfAllowed()
        }
        drainPending()
        if self.exchange == nil, state == .open {
            if parser.isIdle {
                armTimer(.keepAlive, after: core.config.timeoutKeepAlive)
            } else {
                armTimer(.header, after: core.config.timeoutHeader)
            }
        }
    }

    /// The application call returned (or threw) for `exchange`.
    func applicationFinished(_ exchange: Exchange, error: (any Error)?) {
        core.activeRequests -= 1
        if let error {
            if let asgi = error as? ASGIError, asgi.isDisconnected {
                core.logger.debug("application stopped after the client left")
            } else {
                core.logger.error("Exception in ASGI application: \(error)")
            }
        } else if !exchange.responseComplete && !exchange.lost {
            core.logger.error("ASGI callable returned without completing the response")
        }
        guard !exchange.responseComplete, state == .open, self.exchange === exchange else { return }
        if exchange.responseStarted {
            endTruncated()
        } else {
            exchange.connectionLost()
            respondDirectly(status: 500, message: "Internal Server Error")
        }
    }

    /// Ends a response that cannot be completed: what is buffered goes out, then the connection
    /// closes, so the client sees a truncated response (no final chunk, or fewer bytes than announced).
    func endTruncated() {
        exchange?.connectionLost()
        rejecting = true
        closeAfterFlush()
    }
}

extension Connection: StreamDelegate, EndOfTurnFlushing {
    func streamDidRead(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .open: break
        case .lingering: return  // discard until EOF or the linger timer
        case .closing, .closed: return
        }
        if exchange == nil, timerKind == .keepAlive {
            // The next request started: from now on the head must complete in time.
            let elapsed = Double(core.loop.now &- lastResponseEnd) / 1000
            armTimer(.header, after: max(core.config.timeoutHeader - elapsed, 0))
        }
        if pendingStart < pending.count {
            // Earlier bytes still wait for the current response: keep order.
            queuePending(bytes)
            return
        }
        let used = parse(bytes)
        if upgrade != nil {
            handOff(leftover: UnsafeRawBufferPointer(rebasing: bytes[used...]))
            return
        }
        if used < bytes.count, state == .open, !rejecting {
            queuePending(UnsafeRawBufferPointer(rebasing: bytes[used...]))
        }
    }

    private func queuePending(_ bytes: UnsafeRawBufferPointer) {
        pending.append(contentsOf: bytes)
        if pending.count - pendingStart > core.config.bodyHighWaterMark {
            readPausedForPending = true
            stream.stopReading()
        }
    }

    /// EOF or a socket error: the end of a lingering close, or the client leaving.
    func streamDidEnd(error: UVError?) {
        if let error, state != .lingering { core.logger.debug("connection error: \(error)") }
        close()
    }

    func streamDidWrite() {
        exchange?.writeProgressed()
        if state == .closing { continueClosing() }
    }

    func flushAtEndOfTurn() {
        flushScheduled = false
        flushNow()
        if state == .closing { continueClosing() }
    }
}

extension Connection: RequestParserDelegate {
    func parser(_ parser: RequestParser, didParseHead head: consuming RequestHead) {
        guard !rejecting else { return }
        cancelTimer()
        if let limit = core.config.limitConcurrency, core.activeRequests >= limit {
            respondDirectly(status: 503, message: "Service Unavailable: too many concurrent requests")
            return
        }
        if head.hasUpgradeHeader, core.config.ws != .none {
            switch WebSocketUpgrade.judge(head, deflate: core.config.wsPerMessageDeflate) {
            case .notWebSocket:
                break
            case .invalid(let status, let reason):
                core.logInvalidRequest(from: client, reason: reason)
                let version: Headers? = status == 426 ? [("sec-websocket-version", "13")] : nil
                respondDirectly(status: status, message: ResponseEncoder.reasonPhrase(status) + ": " + reason, headers: version)
                return
            case .valid(let request):
                // The message ends with its head (an upgrade request with a body was refused):
                // `parse` stops there and the rest of the bytes go to the WebSocket.
                upgrade = PendingUpgrade(head: head, request: request)
                return
            }
        }
        startExchange(consume head)
    }

    func parser(_ parser: RequestParser, didReceiveBody chunk: UnsafeRawBufferPointer) {
        guard !rejecting, let exchange else { return }
        exchange.appendBody(chunk)
        if exchange.queuedBodyBytes > core.config.bodyHighWaterMark, !readPausedForBody {
            readPausedForBody = true
            stream.stopReading()
        }
    }

    func parserDidCompleteMessage(_ parser: RequestParser) {
        guard !rejecting else { return }
        exchange?.completeBody()
    }

    /// A malformed request: answer with its status (400/414/431/505) unless a response already
    /// started, then close.
    private func reject(_ error: any Error) {
        let status = (error as? HTTPParseError)?.status ?? 400
        let reason = (error as? HTTPParseError)?.reason ?? "\(error)"
        core.logInvalidRequest(from: client, reason: reason)
        if let exchange {
            exchange.connectionLost()
            guard !exchange.responseStarted else { close(); return }
        }
        respondDirectly(status: status, message: ResponseEncoder.reasonPhrase(status) + ": " + reason)
    }

    /// Writes a complete error response that the application never sees, then closes.
    func respondDirectly(status: Int, message: String, headers: Headers? = nil) {
        rejecting = true
        // Counted with method "other": the request was not read far enough to trust its method.
        core.metrics?.requestCompleted(method: "", status: status, startedAt: ServerMetrics.now())
        out.append(
            contentsOf: ResponseEncoder.errorResponse(
                status: status, message: message, date: core.dateHeaderValue, server: core.serverHeaderValue,
                headers: headers))
        closeAfterFlush()
    }

    /// The upgrade request is complete: the socket, with `leftover` (bytes the client sent after
    /// the head), now belongs to a ``WebSocketConnection``; this object is done without closing it.
    private func handOff(leftover: UnsafeRawBufferPointer) {
        guard let handover = upgrade else { return }
        let head = handover.head, request = handover.request
        upgrade = nil
        // A response to an earlier request on this connection may still wait for the end of the
        // turn: it goes out first, in order.
        flushNow()
        guard state == .open else { return }
        state = .closed
        closeTimer()
        out = []
        pending = []
        pendingStart = 0
        core.forgetSpareExchanges(of: self)
        let webSocket = WebSocketConnection(
            core: core, stream: stream, head: head, request: request, client: client,
            peerTrusted: isPeerTrusted(), leftover: Array(leftover))
        core.replace(self, with: webSocket)
        webSocket.start()
    }

    /// Whether the peer is in `--forwarded-allow-ips`, decided once per connection.
    private func isPeerTrusted() -> Bool {
        if let peerTrusted { return peerTrusted }
        let trusted = core.proxy.map { proxy in client.map { proxy.isTrusted($0.host) } ?? false } ?? false
        peerTrusted = trusted
        return trusted
    }
}

/// A parsed WebSocket upgrade waiting for the end of its message to take the socket over.
final class PendingUpgrade {
    let head: RequestHead
    let request: WebSocketUpgrade
    init(head: RequestHead, request: WebSocketUpgrade) { self.head = head; self.request = request }
}
