import Logging
import UVLoop
import WebSocket

extension WebSocketConnection: TimerTarget {
    /// Sets one deadline `seconds` from now and re-arms the timer for the earliest.
    func setDeadline(_ deadline: ReferenceWritableKeyPath<WebSocketConnection, UInt64>, after seconds: Double) {
        self[keyPath: deadline] = core.loop.now &+ UInt64(max(seconds, 0) * 1000)
        rearm()
    }

    func clearDeadline(_ deadline: ReferenceWritableKeyPath<WebSocketConnection, UInt64>) {
        self[keyPath: deadline] = 0
        rearm()
    }

    /// The next ping `--ws-ping-interval` from now (none when it is 0).
    func schedulePing() {
        let interval = core.config.wsPingInterval
        guard interval > 0, phase == .open else { return }
        setDeadline(\.pingDue, after: interval)
    }

    private func rearm() {
        guard phase != .closed else { return }
        let next = [pingDue, pongDeadline, sendDeadline, closeDeadline].filter { $0 != 0 }.min()
        guard let next else {
            timer?.stop()
            return
        }
        if timer == nil { timer = TimerHandle(loop: core.loop, target: self) }
        let now = core.loop.now
        timer?.start(after: next > now ? next - now : 0)
    }

    func timerFired() {
        let now = core.loop.now
        if sendDeadline != 0, sendDeadline <= now {
            core.logger.debug("WebSocket client \(client?.description ?? "?") did not read in time")
            dropConnection()
            return
        }
        if closeDeadline != 0, closeDeadline <= now {
            // No close frame came back (or the linger time is over).
            dropConnection()
            return
        }
        if pongDeadline != 0, pongDeadline <= now {
            pongDeadline = 0
            core.logger.debug("WebSocket client \(client?.description ?? "?") did not answer a ping in time")
            fail(WebSocketError(closeCode: CloseCode.internalError, reason: "keepalive ping timeout"))
            return
        }
        if pingDue != 0, pingDue <= now {
            pingDue = 0
            if phase == .open {
                pingsSent &+= 1
                withUnsafeBytes(of: pingsSent.bigEndian) { FrameWriter.appendFrame(.ping, payload: $0, into: &out) }
                scheduleFlush()
                pongDeadline = now &+ UInt64(core.config.wsPingTimeout * 1000)
            }
        }
        rearm()
    }
}
