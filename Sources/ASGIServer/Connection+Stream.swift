import HTTP1
import UVLoop

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
    func parser(_ parser: RequestParser, didParseHead head: RequestHead) {
        guard !rejecting else { return }
        cancelTimer()
        if let limit = core.config.limitConcurrency, core.activeRequests >= limit {
            respondDirectly(status: 503, message: "Service Unavailable: too many concurrent requests")
            return
        }
        startExchange(head)
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
    func reject(_ error: any Error) {
        let status = (error as? HTTPParseError)?.status ?? 400
        let reason = (error as? HTTPParseError)?.reason ?? "\(error)"
        core.logger.debug("Invalid HTTP request from \(client?.description ?? "?"): \(reason)")
        if let count = core.invalidRequestLog.admit(now: core.loop.now) {
            core.logger.info("Invalid HTTP request from \(client?.description ?? "?"): \(reason)\(count > 1 ? " (\(count) invalid requests since the last report)" : "")")
        }
        if let exchange {
            exchange.connectionLost()
            guard !exchange.responseStarted else { close(); return }
        }
        respondDirectly(status: status, message: ResponseEncoder.reasonPhrase(status) + ": " + reason)
    }

    /// Writes a complete error response that the application never sees, then closes.
    func respondDirectly(status: Int, message: String) {
        rejecting = true
        out.append(contentsOf: ResponseEncoder.errorResponse(
            status: status, message: message, date: core.dateHeaderValue, server: core.serverHeaderValue))
        closeAfterFlush()
    }
}
