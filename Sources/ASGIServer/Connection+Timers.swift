import Logging
import UVLoop

extension Connection: TimerTarget {
    /// One timer per connection, re-armed as the connection changes state: header timeout from
    /// connect (and from the first byte after a keep-alive pause), keep-alive timeout while idle,
    /// send timeout while the final bytes wait for a client before a close, linger while closing.
    /// While the application handles a request the timer runs only while it waits for the client
    /// (``clientWaitBegan(_:)``): the fast path never touches it.
    func armTimer(_ kind: TimerKind, after seconds: Double) {
        timerKind = kind
        let milliseconds = UInt64(max(seconds, 0) * 1000)
        if timer == nil { timer = TimerHandle(loop: core.loop, target: self) }
        timer?.start(after: milliseconds)
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

    func cancelTimer() {
        timerKind = .none
        timer?.stop()
    }

    func timerFired() {
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
