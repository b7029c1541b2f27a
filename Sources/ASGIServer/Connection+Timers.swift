import Logging
import UVLoop

extension Connection: TimerTarget {
    /// One timer per connection, re-armed as the connection changes state: header timeout from
    /// connect (and from the first byte after a keep-alive pause), keep-alive timeout while idle,
    /// send timeout while the final bytes wait for a client before a close, linger while closing.
    /// While the application handles a request the timer runs only while it waits for the client
    /// (``clientWaitBegan(_:)``).
    ///
    /// Re-arming is lazy, as the keep-alive path does it twice per request: a new deadline no
    /// earlier than the one the libuv timer is set for only records the deadline, and when the
    /// timer fires before it, it is set again for the rest. So a busy keep-alive connection
    /// touches libuv's timer heap about once per timeout, not three times per request.
    func armTimer(_ kind: TimerKind, after seconds: Double) {
        timerKind = kind
        let milliseconds = UInt64(max(seconds, 0) * 1000)
        let deadline = core.loop.now &+ milliseconds
        timerDeadline = deadline
        if timerDue != 0, timerDue <= deadline { return }
        startTimer(after: milliseconds)
    }

    private func startTimer(after milliseconds: UInt64) {
        if timer == nil { timer = TimerHandle(loop: core.loop, target: self) }
        timer?.start(after: milliseconds)
        // 0 means "not running": a timer due at loop time 0 is one due now, as good as stopped.
        timerDue = core.loop.now &+ milliseconds
    }

    /// Disarms: the libuv timer, if running, fires and finds nothing to do.
    func cancelTimer() {
        timerKind = .none
    }

    /// Stops the timer and frees its handle (the connection closes or is handed over).
    func closeTimer() {
        timerKind = .none
        timerDue = 0
        timer?.close()
        timer = nil
    }

    /// The application suspended for the client: in `receive()` for body bytes (`.bodyRead`) or in
    /// `send` for the socket to drain (`.send`). A send wait takes precedence over a body wait
    /// (both can be pending when one task reads while another writes).
    func clientWaitBegan(_ kind: TimerKind) {
        guard state == .open else { return }
        switch kind {
        case .bodyRead:
            guard timerKind != .send else { return }
            armTimer(.bodyRead, after: core.config.timeoutBodyRead)
        case .send:
            armTimer(.send, after: core.config.timeoutSend)
        default:
            preconditionFailure("not a wait for the client: \(kind)")
        }
    }

    /// The wait of ``clientWaitBegan(_:)`` ended; a body wait still pending gets its timer back.
    func clientWaitEnded(_ kind: TimerKind, bodyWaitPending: Bool) {
        guard state == .open, timerKind == kind else { return }
        if kind == .send, bodyWaitPending {
            armTimer(.bodyRead, after: core.config.timeoutBodyRead)
        } else {
            cancelTimer()
        }
    }

    func timerFired() {
        timerDue = 0
        guard timerKind != .none else { return }
        let now = core.loop.now
        if now < timerDeadline {
            startTimer(after: timerDeadline - now)
            return
        }
        let kind = timerKind
        timerKind = .none
        switch kind {
        case .none:
            return
        case .keepAlive:
            close()
        case .header:
            if parser.isReadingHead {
                core.logger.debug("request head from \(client?.description ?? "?") not complete in time")
                respondDirectly(status: 408, message: "Request Timeout")
            } else {
                close()
            }
        case .bodyRead:
            guard let exchange else { return }
            core.logger.debug("request body from \(client?.description ?? "?") not received in time")
            if exchange.responseStarted {
                close()
            } else {
                exchange.connectionLost()
                respondDirectly(status: 408, message: "Request Timeout")
            }
        case .send:
            core.logger.debug("client \(client?.description ?? "?") did not read the response in time")
            close()
        case .linger:
            close()
        }
    }
}
