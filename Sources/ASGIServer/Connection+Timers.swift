import HTTP1
import UVLoop

extension Connection: TimerTarget {
    /// One timer per connection, re-armed as the connection changes state: header timeout from
    /// connect (and from the first byte after a keep-alive pause), keep-alive timeout while idle,
    /// linger while closing. No timer runs while the application handles a request.
    func armTimer(_ kind: TimerKind, after seconds: Double) {
        timerKind = kind
        let milliseconds = UInt64(max(seconds, 0) * 1000)
        if timer == nil { timer = TimerHandle(loop: core.loop, target: self) }
        timer?.start(after: milliseconds)
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
        case .linger:
            close()
        }
    }
}
