import ASGI
import HTTP1
import UVLoop

/// One request/response on a connection: the state behind the application's `receive` and
/// `send`. Loop thread only.
///
/// The response head is held until the first body message, so a one-shot response goes out in
/// one write with a `content-length`; a streamed one is chunked (HTTP/1.1) or close-delimited.
final class Exchange: @unchecked Sendable {
    // Safety: loop-confined; `receive`/`send` are reached through `EventLoop.hop`, which moves a
    // caller on another executor onto the loop thread first.
    enum Response {
        case initial
        case held(status: Int, headers: Headers, trailers: Bool)
        case streaming(ResponseFraming.Body, trailers: Bool)
        case awaitingTrailers(Headers)
        case complete
    }

    /// Strong: the connection drops its reference to the exchange when the response completes
    /// or it closes, so the pair never outlives the application's task.
    let connection: Connection
    let head: RequestHead
    var status = 0
    // Request body
    private var body: [UInt8] = []
    private(set) var messageComplete = false
    private var bodyDelivered = false
    private var continueSent = false
    var receiveWaiter: UnsafeContinuation<Void, Never>?
    // Response
    var response = Response.initial
    var bodyBytesSent = 0
    var framing = ResponseFraming(body: .none, keepAlive: false)
    var writeWaiter: UnsafeContinuation<Void, Never>?
    /// The connection is gone (client left, error, or shutdown timeout).
    private(set) var lost = false

    init(connection: Connection, head: RequestHead) {
        self.connection = connection
        self.head = head
        self.messageComplete = false
    }

    var queuedBodyBytes: Int { body.count }
    var responseStarted: Bool {
        switch response {
        case .initial, .held: false
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

    func receive() async throws(ASGIError) -> ReceiveEvent {
        while true {
            if lost || responseComplete { return .disconnect }
            if !bodyDelivered {
                if !body.isEmpty || messageComplete {
                    return takeBody()
                }
                if head.expectsContinue && !continueSent && !responseStarted {
                    // Nothing of the response is on the wire yet (a held start does not count).
                    continueSent = true
                    connection.out.append(contentsOf: ResponseEncoder.continueResponse)
                    connection.scheduleFlush()
                }
            }
            // Wait for body bytes, the end of the response, or the client leaving.
            await withUnsafeContinuation { receiveWaiter = $0 }
        }
    }

    private func takeBody() -> ReceiveEvent {
        var chunk: [UInt8] = []
        swap(&chunk, &body)
        let more = !messageComplete
        if !more { bodyDelivered = true }
        if connection.readPausedForBody, connection.exchange === self {
            connection.readPausedForBody = false
            connection.resumeReadingIfAllowed()
        }
        return .request(body: chunk, moreBody: more)
    }
}
