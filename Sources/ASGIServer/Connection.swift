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
final class Connection: @unchecked Sendable {
    // Safety: loop-confined. Created by ServerCore on the loop thread; every entry point (stream
    // and parser callbacks, Exchange calls) runs there; tasks that capture it use the loop executor.
    enum State { case open, closing, lingering, closed }
    enum TimerKind { case none, header, keepAlive, bodyRead, send, linger }

    /// Strong: an application task may keep its exchange (and so this connection) after the
    /// server stopped; the cycle with the core's connection table ends when the connection closes.
    let core: ServerCore
    let stream: Stream
    let parser: RequestParser
    let client: Scope.Address?
    @exclusivity(unchecked) var exchange: Exchange?
    @exclusivity(unchecked) var state = State.open
    /// Bytes read but not parsed yet: later pipelined requests.
    @exclusivity(unchecked) var pending: [UInt8] = []
    @exclusivity(unchecked) var pendingStart = 0
    /// Response bytes waiting for the end-of-turn flush.
    @exclusivity(unchecked) var out: [UInt8] = []
    @exclusivity(unchecked) var flushScheduled = false
    /// False once the server wants this connection closed after the current response.
    @exclusivity(unchecked) var keepAlive = true
    @exclusivity(unchecked) var readPausedForBody = false
    @exclusivity(unchecked) var readPausedForPending = false
    @exclusivity(unchecked) var timer: TimerHandle?
    @exclusivity(unchecked) var timerKind = TimerKind.none
    @exclusivity(unchecked) var lastResponseEnd: UInt64
    /// A parse error or 503 answered directly: ignore parser events until closed.
    @exclusivity(unchecked) var rejecting = false
    /// Whether the peer is in `--forwarded-allow-ips` (computed on the first request).
    @exclusivity(unchecked) var peerTrusted: Bool?
    /// Responses completed on this connection.
    @exclusivity(unchecked) var requestsServed = 0

    init(core: ServerCore, stream: Stream) {
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
    func parse(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count, state == .open, !rejecting {
            if let exchange, exchange.messageComplete { break }
            do {
                switch try parser.feed(UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
                case .needMore:
                    return bytes.count
                case .messageComplete(let consumed):
                    offset += consumed
                }
            } catch {
                reject(error)
                return bytes.count
            }
        }
        return offset
    }

    /// Parses queued pipelined bytes once the connection is ready for the next request.
    func drainPending() {
        while pendingStart < pending.count, state == .open, !rejecting {
            if let exchange, exchange.messageComplete { return }
            let start = pendingStart
            let used = pending.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            pendingStart += used
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

    // MARK: Writing

    /// Queues the end-of-turn flush of `out`.
    @inline(__always)
    func scheduleFlush() {
        guard !flushScheduled, state != .closed else { return }
        flushScheduled = true
        core.loop.flushAtEndOfTurn(self)
    }

    /// Writes what is in `out` now.
    func flushNow() {
        guard state != .closed, !out.isEmpty else { return }
        if let error = stream.write(&out) {
            core.logger.debug("write failed: \(error)")
            close()
            return
        }
        if exchange == nil && pending.isEmpty && stream.queuedWriteBytes == 0 {
            // Idle keep-alive connections hold no buffers.
            out = []
        }
    }

    /// Bytes accepted from the application and not yet in the kernel.
    var queuedBytes: Int { out.count + stream.queuedWriteBytes }

    // MARK: Closing

    /// Closes once everything queued is written (after a `connection: close` response or an error).
    func closeAfterFlush() {
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
        guard state == .closing, out.isEmpty, stream.queuedWriteBytes == 0 else { return }
        state = .lingering
        stream.shutdown { [self] error in
            guard state == .lingering else { return }
            if error != nil { close(); return }
            armTimer(.linger, after: 1)
            stream.startReading()
        }
    }

    /// Server shutdown: an idle keep-alive connection closes now; one that is serving, reading a
    /// head, or was just accepted (its first request may be on the wire) gets its response with
    /// `connection: close` — bounded by the header timeout and the graceful-shutdown timeout.
    func shutdownGracefully() {
        keepAlive = false
        guard exchange == nil, state == .open else { return }
        if requestsServed > 0 && parser.isIdle && pendingStart >= pending.count {
            close()
        } else if timerKind == .header {
            // A fresh connection's first request is usually already in flight: give it a moment.
            armTimer(.header, after: min(core.config.timeoutHeader, 1))
        }
    }

    /// Closes at once, dropping unsent bytes; the current request sees `http.disconnect` (peer
    /// gone, socket error, graceful-shutdown timeout, a response that cannot be completed).
    func close() {
        guard state != .closed else { return }
        state = .closed
        timerKind = .none
        timer?.close()
        timer = nil
        out = []
        pending = []
        if let exchange {
            self.exchange = nil
            exchange.connectionLost()
        }
        stream.close()
        core.connectionClosed(self)
    }
}
