import ASGI
import HTTP1
import Logging
import UVLoop
import WebSocket

/// A connection after a valid `Upgrade: websocket` request: the ASGI websocket scope over RFC 6455
/// frames, on the same socket and loop. Loop thread only.
///
/// The application runs from the start: its first `receive()` is `websocket.connect`, and it
/// answers with `websocket.accept` (101, then frames), `websocket.close` (403) or a denial
/// response. Frames are read only after the accept; messages wait in `inbox` for `receive()`,
/// and reading pauses while `--ws-max-queue` of them wait. Outgoing frames are appended to `out`
/// and written once per loop turn; `send` suspends above the write high-water mark.
final class WebSocketConnection: @unchecked Sendable, ServedConnection {
    // Safety: loop-confined. Created by Connection on the loop thread; stream, timer and
    // application calls arrive there (receive/send hop to the loop first).
    enum Phase {
        /// The application has not accepted or refused yet.
        case handshake
        /// An HTTP response refuses the handshake (403, 500, a denial response); then close.
        case refusing
        /// Frames flow both ways.
        case open
        /// A close frame was sent, or the connection failed: the end is near.
        case closing
        /// Everything written; half-closed, discarding input until EOF or the linger time.
        case lingering
        case closed
    }

    let core: ServerCore
    let stream: any ConnectionTransport
    let request: WebSocketUpgrade
    let client: Scope.Address?
    /// The client as the scope shows it (after proxy headers), for log lines.
    private(set) var scopeClient: Scope.Address?
    /// The request target as sent, for log lines.
    let target: String
    private let peerTrusted: Bool
    /// The upgrade request, until the application has its scope (then only the scope holds it).
    private var head: RequestHead?
    @exclusivity(unchecked) var phase = Phase.handshake
    @exclusivity(unchecked) var reader: FrameReader?
    @exclusivity(unchecked) var compressor: Compressor?
    /// Bytes read and not yet given to the reader: before the accept, or while the inbox is full.
    @exclusivity(unchecked) var held: [UInt8]
    @exclusivity(unchecked) var readPaused = false
    /// Outgoing bytes waiting for the end-of-turn flush.
    @exclusivity(unchecked) var out: [UInt8] = []
    @exclusivity(unchecked) private var flushScheduled = false
    /// Messages received and not yet taken by `receive()`, from `inboxStart` on.
    @exclusivity(unchecked) var inbox: [WebSocketMessage] = []
    @exclusivity(unchecked) var inboxStart = 0
    @exclusivity(unchecked) var connectDelivered = false
    /// The `websocket.disconnect` the application gets once the inbox is empty.
    @exclusivity(unchecked) var disconnect: (code: Int, reason: String)?
    @exclusivity(unchecked) var closeSent = false
    /// What to do once `out` is written: half-close and linger (after a close or a refusal).
    @exclusivity(unchecked) var endAfterFlush = false
    @exclusivity(unchecked) var receiveWaiter: UnsafeContinuation<Void, Never>?
    /// Sends suspended for room in the socket. Several tasks may send on one WebSocket (a
    /// reader answering while another task forwards): each frame is in `out` before its send
    /// waits, so frames never interleave.
    @exclusivity(unchecked) var writeWaiters: [UnsafeContinuation<Void, Never>] = []
    // The refusal response (denial extension).
    @exclusivity(unchecked) var denialStatus: Int?
    @exclusivity(unchecked) var denialHeaders = Headers()
    @exclusivity(unchecked) var denialFraming: ResponseFraming?
    // One timer for every deadline (loop milliseconds; 0 = none), armed at the earliest.
    @exclusivity(unchecked) var timer: TimerHandle?
    @exclusivity(unchecked) var pingDue: UInt64 = 0
    @exclusivity(unchecked) var pongDeadline: UInt64 = 0
    @exclusivity(unchecked) var sendDeadline: UInt64 = 0
    @exclusivity(unchecked) var closeDeadline: UInt64 = 0
    @exclusivity(unchecked) var pingsSent: UInt32 = 0

    init(
        core: ServerCore, stream: any ConnectionTransport, head: RequestHead, request: WebSocketUpgrade,
        client: Scope.Address?, peerTrusted: Bool, leftover: [UInt8]
    ) {
        self.core = core
        self.stream = stream
        self.head = head
        self.request = request
        self.client = client
        self.peerTrusted = peerTrusted
        self.target =
            String(decoding: head.rawPath, as: UTF8.self)
            + (head.queryString.isEmpty ? "" : "?" + String(decoding: head.queryString, as: UTF8.self))
        self.held = leftover
    }

    /// Takes over the stream and calls the application with the websocket scope.
    func start() {
        stream.delegate = self
        stream.startReading()  // an EOF during the handshake must be noticed
        core.activeRequests += 1
        let scope = makeScope(head!)
        scopeClient = scope.client
        head = nil
        let app = core.app
        Task(executorPreference: core.loop.executor) {
            var failure: (any Error)?
            do {
                try await app(scope, { try await self.receiveOnLoop() }, { event in try await self.sendOnLoop(event) })
            } catch {
                failure = error
            }
            self.applicationFinished(error: failure)
        }
    }

    private func makeScope(_ head: RequestHead) -> Scope {
        let view = core.view(
            path: head.path, rawPath: head.rawPath, headers: head.headers, client: client, peerTrusted: peerTrusted)
        let secure = view.forwardedScheme == "https" || view.forwardedScheme == "wss"
        return Scope.websocket(
            path: view.path, rawPath: view.rawPath, queryString: head.queryString, headers: head.headers,
            httpVersion: head.httpVersion, scheme: secure ? "wss" : "ws", rootPath: core.config.rootPath,
            client: view.client, server: core.serverAddress, subprotocols: request.subprotocols,
            state: core.lifespanState.copy())
    }

    /// The application call returned or threw.
    func applicationFinished(error: (any Error)?) {
        core.activeRequests -= 1
        var failed = false
        if let error {
            if let asgi = error as? ASGIError, asgi.isDisconnected {
                core.logger.debug("WebSocket application stopped after the client left")
            } else {
                core.logger.error("Exception in ASGI application: \(error)")
                failed = true
            }
        }
        switch phase {
        case .handshake:
            if !failed { core.logger.error("ASGI callable returned without sending handshake") }
            refuse(status: 500, message: "Internal Server Error")
        case .refusing:
            if denialFraming == nil || !endAfterFlush {
                // A denial response that was not completed: what went out is all the client gets.
                if !failed { core.logger.error("ASGI callable returned without completing the denial response") }
                if denialFraming == nil {
                    refuse(status: 500, message: "Internal Server Error")
                } else {
                    finish()
                }
            }
        case .open:
            // Returning closes normally; throwing is a server error (1011), as in uvicorn.
            startClosing(code: failed ? CloseCode.internalError : CloseCode.normal, reason: "")
        case .closing, .lingering, .closed:
            break
        }
    }

    // MARK: Writing

    @inline(__always)
    func scheduleFlush() {
        guard !flushScheduled, phase != .closed else { return }
        flushScheduled = true
        core.loop.flushAtEndOfTurn(self)
    }

    func flushNow() {
        guard phase != .closed, !out.isEmpty else { return }
        if let error = stream.write(&out) {
            core.logger.debug("WebSocket write failed: \(error)")
            dropConnection()
        }
    }

    /// Bytes accepted from the application and not yet in the kernel.
    var queuedBytes: Int { out.count + stream.queuedWriteBytes }

    /// After a close handshake or a refusal: once everything is written, half-close, then read
    /// and discard until the client closes (or a second passes), so it reads all we sent.
    func finish() {
        guard phase != .lingering, phase != .closed else { return }
        endAfterFlush = true
        if phase != .refusing { phase = .closing }
        if sendDeadline == 0 { setDeadline(\.sendDeadline, after: core.config.timeoutSend) }
        scheduleFlush()
    }

    private func continueFinishing() {
        guard endAfterFlush, phase != .lingering, phase != .closed, out.isEmpty, stream.queuedWriteBytes == 0 else { return }
        phase = .lingering
        readPaused = false
        held = []
        stream.shutdown { [self] error in
            guard phase == .lingering else { return }
            if error != nil { dropConnection(); return }
            pingDue = 0
            pongDeadline = 0
            sendDeadline = 0
            setDeadline(\.closeDeadline, after: 1)
            stream.startReading()
        }
    }

    /// Closes the socket now; the application sees `websocket.disconnect` (1006 unless a close
    /// code was already settled).
    func dropConnection() {
        guard phase != .closed else { return }
        phase = .closed
        if disconnect == nil { disconnect = (Int(CloseCode.abnormal), "") }
        timer?.close()
        timer = nil
        out = []
        held = []
        stream.close()
        wakeReceiver()
        wakeWriter()
        core.connectionClosed(self)
    }

    func close() { dropConnection() }

    /// Server shutdown: an open WebSocket gets close 1012 and the closing handshake; one still
    /// in its handshake is closed with 1012 right after an accept.
    func shutdownGracefully() {
        if phase == .open { startClosing(code: CloseCode.serviceRestart, reason: "server shutting down") }
    }

    func wakeReceiver() {
        guard let waiter = receiveWaiter else { return }
        receiveWaiter = nil
        waiter.resume()
    }

    func wakeWriter() {
        guard !writeWaiters.isEmpty else { return }
        let waiters = writeWaiters
        writeWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}

extension WebSocketConnection: StreamDelegate, EndOfTurnFlushing {
    func streamDidRead(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .handshake, .refusing:
            // Frames sent before the 101 wait for the accept; a flood of them pauses reading.
            held.append(contentsOf: bytes)
            if held.count > core.config.bodyHighWaterMark { pauseReading() }
        case .open, .closing:
            if readPaused || !held.isEmpty {
                held.append(contentsOf: bytes)
                return
            }
            let used = readFrames(bytes)
            if used < bytes.count, phase == .open || phase == .closing, !endAfterFlush {
                held.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[used...]))
                pauseReading()
            }
        case .lingering, .closed:
            return
        }
    }

    func pauseReading() {
        guard !readPaused else { return }
        readPaused = true
        stream.stopReading()
    }

    func streamDidEnd(error: UVError?) {
        if let error, phase != .lingering { core.logger.debug("WebSocket connection error: \(error)") }
        dropConnection()
    }

    func streamDidWrite() {
        if !writeWaiters.isEmpty, queuedBytes <= core.config.writeHighWaterMark / 2 { wakeWriter() }
        continueFinishing()
    }

    func flushAtEndOfTurn() {
        flushScheduled = false
        flushNow()
        continueFinishing()
    }
}
