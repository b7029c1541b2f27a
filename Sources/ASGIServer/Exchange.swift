import ASGI
import HTTP1
import UVLoop

/// One request/response on a connection: the state behind the application's `receive` and
/// `send`. Loop thread only.
///
/// The response head is held until the first body message, so a one-shot response goes out in
/// one write with a `content-length`; a streamed one is chunked (HTTP/1.1) or close-delimited.
final class Exchange: @unchecked Sendable {
    // Safety: loop-confined (asserted in debug in `receive`/`send`); they are reached through
    // `EventLoop.hop`, which moves a caller on another executor onto the loop thread first.
    /// Where the response is. Payload-free so that checking it copies nothing.
    enum Response {
        /// Nothing sent yet.
        case initial
        /// `http.response.start` received, held until the first body message.
        case held
        /// `http.response.pathsend`: the file is being opened (nothing written yet).
        case openingFile
        /// Head written; the file is going out with sendfile.
        case sendingFile
        /// Head written; body messages go out as they come.
        case streaming
        /// Body ended; waiting for `http.response.trailers`.
        case awaitingTrailers
        case complete
    }

    /// Strong: the connection drops its reference to the exchange when the response completes
    /// or it closes, so the pair never outlives the application's task. A spare exchange kept by
    /// the loop still names its last connection until reused (the connection's close removes it).
    @exclusivity(unchecked) private(set) var connection: Connection
    // Every property below is per request: ``reuse(for:on:)`` sets each one as `init` does.
    /// What the response needs to know of the request (its head's fields live in `scope`).
    @exclusivity(unchecked) private(set) var request: RequestFacts
    /// The request's scope as the server made it (the application has its own copies), for the
    /// access log and metrics; nil once parked.
    @exclusivity(unchecked) private(set) var scope: Scope?
    /// The client as the scope shows it (after proxy headers).
    @exclusivity(unchecked) var client: Scope.Address?
    /// Loop time when the head arrived (access log).
    @exclusivity(unchecked) private(set) var startedAt: UInt64
    /// Monotonic nanoseconds when the head arrived, when metrics are kept (else 0).
    @exclusivity(unchecked) private(set) var metricsStart: UInt64
    @exclusivity(unchecked) var status = 0
    // Request body
    @exclusivity(unchecked) private var body: [UInt8] = []
    @exclusivity(unchecked) private(set) var messageComplete = false
    @exclusivity(unchecked) private var bodyDelivered = false
    @exclusivity(unchecked) private var continueSent = false
    @exclusivity(unchecked) var receiveWaiter: UnsafeContinuation<Void, Never>?
    /// A `receive()` is suspended until body bytes come (bounded by `--timeout-body-read`).
    @exclusivity(unchecked) private(set) var waitingForBody = false
    // Response
    @exclusivity(unchecked) var response = Response.initial
    /// The held `http.response.start`.
    @exclusivity(unchecked) var heldHeaders = Headers()
    @exclusivity(unchecked) var trailersAnnounced = false
    @exclusivity(unchecked) var trailerFields = Headers()
    @exclusivity(unchecked) var bodyBytesSent = 0
    @exclusivity(unchecked) var framing = ResponseFraming(body: .none, keepAlive: false)
    @exclusivity(unchecked) var writeWaiter: UnsafeContinuation<Void, Never>?
    /// The connection is gone (client left, error, or shutdown timeout).
    @exclusivity(unchecked) private(set) var lost = false

    init(connection: Connection, request: RequestFacts, scope: Scope) {
        self.connection = connection
        self.request = request
        self.scope = scope
        self.startedAt = connection.core.loop.now
        self.metricsStart = connection.core.metrics == nil ? 0 : ServerMetrics.now()
        self.messageComplete = false
    }

    /// The loop keeps this finished exchange for a next request: the request's header fields
    /// are let go now (the access log has read them), so that the parser can fill their buffers
    /// again for the next head instead of allocating new ones, and so is any body the
    /// application left unread (a spare holds no request's bytes).
    func park() {
        scope = nil
        if body.capacity > 0 { body = [] }
    }

    /// Makes this finished exchange the one of `connection`'s next request, as a new one would
    /// be. Only when nothing else holds it (the loop checks): no closure of the last request's
    /// application can reach it any more.
    func reuse(for request: RequestFacts, scope: Scope, on connection: Connection) {
        // Stored only when it changes (a store releases the old value: most often the same
        // connection, on a keep-alive connection).
        if self.connection !== connection { self.connection = connection }
        self.request = request
        self.scope = scope
        client = nil
        startedAt = connection.core.loop.now
        metricsStart = connection.core.metrics == nil ? 0 : ServerMetrics.now()
        status = 0
        if body.capacity > 0 { body = [] }
        messageComplete = false
        bodyDelivered = false
        continueSent = false
        receiveWaiter = nil
        waitingForBody = false
        response = .initial
        heldHeaders = Headers()
        trailersAnnounced = false
        trailerFields = Headers()
        bodyBytesSent = 0
        framing = ResponseFraming(body: .none, keepAlive: false)
        writeWaiter = nil
        lost = false
    }

    var queuedBodyBytes: Int { body.count }
    var responseStarted: Bool {
        switch response {
        case .initial, .held, .openingFile: false
        default: true
        }
    }
    var responseComplete: Bool {
        if case .complete = response { return true }
        return false
    }

    // MARK: Events from the connection

    func appendBody(_ chunk: UnsafeRawBufferPointer) {
        body.append(contentsOf: chunk)
        wakeReceiver()
    }

    func completeBody() {
        messageComplete = true
        wakeReceiver()
    }

    func connectionLost() {
        guard !lost else { return }
        lost = true
        wakeReceiver()
        if let waiter = writeWaiter {
            writeWaiter = nil
            waiter.resume()
        }
    }

    func writeProgressed() {
        guard let waiter = writeWaiter, connection.queuedBytes <= connection.core.config.writeHighWaterMark / 2 else { return }
        writeWaiter = nil
        waiter.resume()
    }

    func applicationFinished(error: (any Error)?) {
        connection.applicationFinished(self, error: error)
    }

    func wakeReceiver() {
        guard let waiter = receiveWaiter else { return }
        receiveWaiter = nil
        waiter.resume()
    }

    // MARK: receive

    /// `receive` for the application: on the loop thread (hops there if called elsewhere).
    /// Inlined into the closure the application gets: one async frame less per call.
    @inline(__always)
    func receiveOnLoop() async throws(ASGIError) -> ReceiveEvent {
        try await connection.core.loop.hop { () async throws(ASGIError) -> ReceiveEvent in try await receive() }
    }

    /// `send` for the application: on the loop thread (hops there if called elsewhere).
    /// Inlined into the closure the application gets; on the loop thread a message that needs
    /// no wait (all but `http.response.pathsend` while the socket keeps up) makes no async call.
    @inline(__always)
    func sendOnLoop(_ event: SendEvent) async throws(ASGIError) {
        let loop = connection.core.loop
        if loop.isInLoopThread, !event.isPathsend {
            try sendNow(event)
            if needsWriteRoom { try await waitForWriteRoom() }
            return
        }
        try await loop.hop { () async throws(ASGIError) in try await send(event) }
    }

    func receive() async throws(ASGIError) -> ReceiveEvent {
        assert(connection.core.loop.isInLoopThread, "Exchange.receive off the loop thread")
        if receiveWaiter != nil { throw concurrentUse("receive()") }
        while true {
            if lost || responseComplete { return .disconnect }
            if !bodyDelivered {
                if !body.isEmpty || messageComplete {
                    return takeBody()
                }
                if request.expectsContinue && !continueSent && !responseStarted {
                    // Nothing of the response is on the wire yet (a held start does not count).
                    continueSent = true
                    connection.appendBody(ResponseEncoder.continueResponse)
                    connection.scheduleFlush()
                }
            }
            // Wait for body bytes, the end of the response, or the client leaving. Only a wait for
            // body bytes is bounded (a wait for the end of the response is the application's).
            waitingForBody = !bodyDelivered && !messageComplete
            if waitingForBody { connection.clientWaitBegan(.bodyRead) }
            await withUnsafeContinuation { receiveWaiter = $0 }
            if waitingForBody {
                waitingForBody = false
                connection.clientWaitEnded(.bodyRead, bodyWaitPending: false)
            }
        }
    }

    /// A second task called `receive()` (or `send`) while one waits: one waiter per request, so
    /// this is refused (and logged) instead of leaving one of them suspended forever.
    func concurrentUse(_ call: String) -> ASGIError {
        let error = ASGIError.protocolViolation("\(call) called while another \(call) of the same request is waiting")
        connection.core.logger.error("ASGI application error: \(error)")
        return error
    }

    private func takeBody() -> ReceiveEvent {
        var chunk: [UInt8] = []
        swap(&chunk, &body)
        let more = !messageComplete
        if !more { bodyDelivered = true }
        connection.bodyTaken(by: self)
        return .request(body: chunk, moreBody: more)
    }
}

extension SendEvent {
    /// `http.response.pathsend`, the one HTTP message whose `send` always waits.
    fileprivate var isPathsend: Bool {
        if case .responsePathsend = self { true } else { false }
    }
}

/// The scalars of a request head the exchange answers by (the strings and fields are in the
/// scope: keeping the head as well copied each of them once more per request).
struct RequestFacts {
    var isHead: Bool
    var versionMinor: Int
    var keepAlive: Bool
    var expectsContinue: Bool

    init(_ head: borrowing RequestHead) {
        isHead = head.method == "HEAD"
        versionMinor = head.versionMinor
        keepAlive = head.keepAlive
        expectsContinue = head.expectsContinue
    }
}
