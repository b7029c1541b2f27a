import ASGI
import Logging
import WebSocket

extension WebSocketConnection {
    /// Gives `bytes` to the frame reader until the inbox is full; returns how many it used.
    func readFrames(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let reader else { return 0 }
        let limit = core.config.wsMaxQueue
        do {
            return try reader.feed(bytes) { event in
                handle(event)
                return phase == .open && inbox.count - inboxStart < limit && !endAfterFlush
            }
        } catch {
            fail(error)
            return bytes.count
        }
    }

    /// Reads what waits in `held` (after the accept, or once the application took messages).
    func readHeld() {
        guard phase == .open || phase == .closing, !endAfterFlush else { return }
        if !held.isEmpty {
            let used = held.withUnsafeBytes { readFrames($0) }
            guard phase == .open || phase == .closing, !endAfterFlush else { return }
            if used >= held.count {
                held = []
            } else {
                held.removeSubrange(0..<used)
                return  // still full
            }
        }
        if readPaused, inbox.count - inboxStart < core.config.wsMaxQueue {
            readPaused = false
            stream.startReading()
        }
    }

    private func handle(_ event: FrameEvent) {
        switch event {
        case .text(let text):
            guard !closeSent else { return }  // after our close frame, data is dropped (RFC 6455 §5.5.1)
            enqueue(.text(text))
        case .binary(let bytes):
            guard !closeSent else { return }
            enqueue(.bytes(bytes))
        case .ping(let payload):
            guard !closeSent else { return }
            payload.withUnsafeBytes { FrameWriter.appendFrame(.pong, payload: $0, into: &out) }
            scheduleFlush()
        case .pong:
            // Any pong proves the peer alive (RFC 6455 §5.5.3 allows unsolicited ones).
            if pongDeadline != 0 {
                pongDeadline = 0
                schedulePing()
            }
        case .close(let code, let reason):
            if !closeSent {
                // Echo the code (RFC 6455 §5.5.1), then close.
                closeSent = true
                FrameWriter.appendClose(code: code, reason: "", into: &out)
            }
            if disconnect == nil { disconnect = (Int(code ?? CloseCode.noStatus), reason) }
            finish()
            wakeReceiver()
        }
    }

    private func enqueue(_ message: WebSocketMessage) {
        inbox.append(message)
        wakeReceiver()
    }

    /// A protocol error from the client: close frame with its code, then close without waiting.
    func fail(_ error: any Error) {
        let failure = error as? WebSocketError
        let code = failure?.closeCode ?? CloseCode.protocolError
        let reason = failure?.reason ?? "\(error)"
        core.logger.debug("WebSocket from \(client?.description ?? "?") failed: \(code) \(reason)")
        if !closeSent {
            closeSent = true
            FrameWriter.appendClose(code: code, reason: reason, into: &out)
        }
        if disconnect == nil { disconnect = (Int(code), reason) }
        finish()
        wakeReceiver()
        wakeWriter()
    }

    /// Starts the closing handshake: close frame out, then wait for the client's close (bounded).
    func startClosing(code: UInt16, reason: String) {
        guard phase == .open, !closeSent else { return }
        closeSent = true
        FrameWriter.appendClose(code: code, reason: reason, into: &out)
        scheduleFlush()
        phase = .closing
        pingDue = 0
        pongDeadline = 0
        // The application sees the client's answer (1006 if none comes in time).
        setDeadline(\.closeDeadline, after: core.config.wsCloseTimeout)
        wakeWriter()
        readHeld()
    }
}
