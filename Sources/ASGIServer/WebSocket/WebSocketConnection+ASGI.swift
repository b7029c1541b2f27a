import ASGI
import HTTP1
import Logging
import WebSocket

extension WebSocketConnection {
    func receiveOnLoop() async throws(ASGIError) -> ReceiveEvent {
        try await core.loop.hop { () async throws(ASGIError) -> ReceiveEvent in try await receive() }
    }

    func sendOnLoop(_ event: SendEvent) async throws(ASGIError) {
        try await core.loop.hop { () async throws(ASGIError) in try await send(event) }
    }

    /// `websocket.connect` first, then the client's messages in order, then `websocket.disconnect`
    /// (again on every later call).
    func receive() async throws(ASGIError) -> ReceiveEvent {
        assert(core.loop.isInLoopThread, "WebSocketConnection.receive off the loop thread")
        if receiveWaiter != nil { throw concurrentUse("receive()") }
        if !connectDelivered {
            connectDelivered = true
            return .websocketConnect
        }
        while true {
            if inboxStart < inbox.count {
                let message = inbox[inboxStart]
                inboxStart += 1
                if inboxStart == inbox.count {
                    inbox = []  // an idle WebSocket holds no queue
                    inboxStart = 0
                }
                if readPaused || !held.isEmpty { readHeld() }
                core.metrics?.websocketMessage(incoming: true)
                return .websocketReceive(message)
            }
            if let disconnect { return .websocketDisconnect(code: disconnect.code, reason: disconnect.reason) }
            await withUnsafeContinuation { receiveWaiter = $0 }
        }
    }

    private func concurrentUse(_ call: String) -> ASGIError {
        let error = ASGIError.protocolViolation("\(call) called while another \(call) of the same WebSocket is waiting")
        core.logger.error("ASGI application error: \(error)")
        return error
    }

    func send(_ event: SendEvent) async throws(ASGIError) {
        assert(core.loop.isInLoopThread, "WebSocketConnection.send off the loop thread")
        switch event {
        case .websocketAccept(let subprotocol, let headers):
            try accept(subprotocol: subprotocol, headers: headers)
        case .websocketSend(let message):
            switch phase {
            case .handshake, .refusing:
                throw ASGIError.protocolViolation("'websocket.send' before 'websocket.accept'")
            case .open:
                break
            case .closing, .lingering, .closed:
                throw ASGIError.disconnected()
            }
            core.metrics?.websocketMessage(incoming: false)
            switch message {
            case .text(var text):
                text.withUTF8 { FrameWriter.appendMessage(.text, payload: UnsafeRawBufferPointer($0), compressor: compressor, into: &out) }
            case .bytes(let bytes):
                bytes.withUnsafeBytes { FrameWriter.appendMessage(.binary, payload: $0, compressor: compressor, into: &out) }
            }
            scheduleFlush()
        case .websocketClose(let code, let reason):
            switch phase {
            case .handshake:
                refuse(status: 403, message: "Forbidden")
            case .open:
                guard let wire = UInt16(exactly: code), CloseCode.isValidForApplication(wire) else {
                    throw ASGIError.protocolViolation("close code \(code) may not be sent by an application")
                }
                startClosing(code: wire, reason: reason)
            case .refusing:
                throw ASGIError.protocolViolation("'websocket.close' after a denial response started")
            case .closing, .lingering:
                return  // already closing
            case .closed:
                throw ASGIError.disconnected()
            }
        case .websocketHTTPResponseStart(let status, let headers):
            guard phase == .handshake else {
                throw ASGIError.protocolViolation("'websocket.http.response.start' after the handshake was answered")
            }
            guard (100...599).contains(status), status != 101 else {
                throw ASGIError.protocolViolation("denial response status \(status) is not a final status")
            }
            phase = .refusing
            denialStatus = status
            denialHeaders = headers
        case .websocketHTTPResponseBody(let body, let moreBody):
            try writeDenialBody(body, moreBody: moreBody)
        default:
            throw ASGIError.protocolViolation("'\(event.type)' is not a WebSocket message")
        }
        try await waitForWriteRoom()
    }

    /// The 101 response: the handshake is complete and frames may flow.
    private func accept(subprotocol: String?, headers: Headers) throws(ASGIError) {
        switch phase {
        case .handshake: break
        case .closed: throw ASGIError.disconnected()
        default: throw ASGIError.protocolViolation("'websocket.accept' after the handshake was answered")
        }
        if let subprotocol, !request.subprotocols.contains(subprotocol) {
            throw ASGIError.protocolViolation("subprotocol '\(subprotocol)' was not offered by the client")
        }
        var fields: Headers = [
            ("upgrade", "websocket"), ("connection", "Upgrade"),
            ("sec-websocket-accept", Handshake.acceptValue(forKey: request.key)),
        ]
        if let subprotocol { fields.append(name: "sec-websocket-protocol", value: subprotocol) }
        if let deflate = request.deflate { fields.append(name: "sec-websocket-extensions", value: deflate.response) }
        for field in headers {
            // The handshake's own fields are the server's.
            let name = field.nameString.lowercased()
            guard name != "upgrade", name != "connection", !name.hasPrefix("sec-websocket-") else { continue }
            fields.append(name: field.nameString, value: field.valueString)
        }
        _ = try ResponseEncoder.encodeHead(
            status: 101, headers: fields, request: RequestInfo(isHead: false, versionMinor: 1, keepAlive: true),
            bodyLength: nil, date: nil, server: nil, into: &out)
        phase = .open
        let config = core.config
        reader = FrameReader(
            role: .server, maxMessageSize: config.wsMaxSize,
            decompressor: request.deflate.map { Decompressor(parameters: $0.parameters, role: .server, maxSize: config.wsMaxSize) })
        compressor = request.deflate.map { Compressor(parameters: $0.parameters, role: .server) }
        if config.accessLog {
            core.logger.info("\((scopeClient ?? client)?.description ?? "-") - \"WebSocket \(target)\" [accepted]")
        }
        scheduleFlush()
        schedulePing()
        if core.isShuttingDown {
            startClosing(code: CloseCode.serviceRestart, reason: "server shutting down")
            return
        }
        readHeld()
        if !readPaused { stream.startReading() }
    }

    /// Refuses the handshake with a plain HTTP response, then closes.
    func refuse(status: Int, message: String) {
        guard phase == .handshake || phase == .refusing else { return }
        phase = .refusing
        if core.config.accessLog {
            core.logger.info("\((scopeClient ?? client)?.description ?? "-") - \"WebSocket \(target)\" \(status)")
        }
        out.append(
            contentsOf: ResponseEncoder.errorResponse(
                status: status, message: message, date: core.dateHeaderValue, server: core.serverHeaderValue))
        denialFraming = ResponseFraming(body: .none, keepAlive: false)
        disconnect = (Int(CloseCode.abnormal), "")
        wakeReceiver()
        finish()
    }

    private func writeDenialBody(_ body: [UInt8], moreBody: Bool) throws(ASGIError) {
        guard phase == .refusing, let status = denialStatus else {
            throw ASGIError.protocolViolation("'websocket.http.response.body' before 'websocket.http.response.start'")
        }
        if endAfterFlush { throw ASGIError.protocolViolation("'websocket.http.response.body' after the response ended") }
        if denialFraming == nil {
            denialFraming = try ResponseEncoder.encodeHead(
                status: status, headers: denialHeaders,
                request: RequestInfo(isHead: false, versionMinor: 1, keepAlive: false),  // upgrades are HTTP/1.1
                bodyLength: moreBody ? nil : body.count, date: core.dateHeaderValue,
                server: core.serverHeaderValue, into: &out)
            denialHeaders = Headers()
            if core.config.accessLog {
                core.logger.info("\((scopeClient ?? client)?.description ?? "-") - \"WebSocket \(target)\" \(status)")
            }
        }
        switch denialFraming?.body {
        case .chunked:
            if !body.isEmpty { body.withUnsafeBytes { ResponseEncoder.encodeChunk($0, into: &out) } }
            if !moreBody { try ResponseEncoder.encodeLastChunk(trailers: nil, into: &out) }
        case .contentLength, .closeDelimited:
            out.append(contentsOf: body)
        case .some(.none), nil:
            break
        }
        scheduleFlush()
        if !moreBody {
            disconnect = (Int(CloseCode.abnormal), "")
            wakeReceiver()
            finish()
        }
    }

    /// Suspends while more than the high-water mark waits for the client (bounded by
    /// `--timeout-send`).
    private func waitForWriteRoom() async throws(ASGIError) {
        let limit = core.config.writeHighWaterMark
        guard queuedBytes > limit else { return }
        flushNow()
        var armed = false
        while phase != .closed, queuedBytes > limit {
            if !armed, sendDeadline == 0 {
                setDeadline(\.sendDeadline, after: core.config.timeoutSend)
                armed = true
            }
            await withUnsafeContinuation { writeWaiters.append($0) }
        }
        if armed, phase != .closed, !endAfterFlush, writeWaiters.isEmpty { clearDeadline(\.sendDeadline) }
        if phase == .closed { throw ASGIError.disconnected() }
    }
}
