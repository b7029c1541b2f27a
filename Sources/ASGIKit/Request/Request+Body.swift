import ASGI

extension Request {
    /// The whole request body. Past `maxBytes` (default: the router's limit, 1 MiB unless
    /// configured) it throws a 413 — at once when `content-length` announces too much, else as soon
    /// as the bytes read exceed it. Calling it again returns the same bytes.
    public func body(maxBytes: Int? = nil) async throws -> [UInt8] {
        let limit = maxBytes ?? context.maxBodyBytes
        if let length = headers["content-length"].flatMap(Int.init), length > limit {
            throw HTTPError(413, "Request body larger than \(limit) bytes")
        }
        if let collected = try context.claimBody() {
            guard collected.count <= limit else { throw HTTPError(413, "Request body larger than \(limit) bytes") }
            return collected
        }
        var body: [UInt8] = []
        do {
            loop: while true {
                let event = try await context.receive()
                switch event {
                case .request(let chunk, let moreBody):
                    guard body.count + chunk.count <= limit else {
                        throw HTTPError(413, "Request body larger than \(limit) bytes")
                    }
                    if body.isEmpty { body = chunk } else { body.append(contentsOf: chunk) }
                    if !moreBody { break loop }
                case .disconnect:
                    throw ASGIError.disconnected()
                default:
                    throw ASGIError.protocolViolation("'\(event.type)' event on an HTTP request")
                }
            }
        } catch {
            context.finishBody(.streamed)
            throw error
        }
        context.finishBody(.collected(body))
        return body
    }

    /// The body as it arrives, chunk by chunk (no limit: for bodies of any size). Read it once;
    /// after ``body(maxBytes:)`` it yields the collected bytes as one chunk.
    ///
    /// ```swift
    /// router.post("/upload") { request in
    ///     var total = 0
    ///     for try await chunk in request.bodyStream { total += chunk.count }
    ///     return .text("\(total) bytes")
    /// }
    /// ```
    public var bodyStream: RequestBodyStream { RequestBodyStream(context: context) }

    /// The body when it was collected already: always for blocking handlers (the router reads it
    /// on the loop before handing the request to the pool), or after ``body(maxBytes:)``.
    public var bufferedBody: [UInt8]? { context.collectedBody }
}

/// The request body as an `AsyncSequence` of byte chunks, read from ASGI `receive` on demand (so
/// the server's backpressure applies: nothing is buffered here).
public struct RequestBodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let context: RequestContext

    public func makeAsyncIterator() -> Iterator { Iterator(context: context) }

    public struct Iterator: AsyncIteratorProtocol {
        let context: RequestContext
        private var phase = Phase.start
        private enum Phase { case start, receiving, finished }

        init(context: RequestContext) { self.context = context }

        public mutating func next() async throws -> [UInt8]? {
            switch phase {
            case .finished:
                return nil
            case .start:
                if let collected = try context.claimBody() {
                    phase = .finished
                    return collected.isEmpty ? nil : collected
                }
                phase = .receiving
            case .receiving:
                break
            }
            while true {
                let event: ReceiveEvent
                do { event = try await context.receive() } catch {
                    finish()
                    throw error
                }
                switch event {
                case .request(let chunk, let moreBody):
                    if !moreBody { finish() }
                    if !chunk.isEmpty { return chunk }
                    if !moreBody { return nil }
                case .disconnect:
                    finish()
                    throw ASGIError.disconnected()
                default:
                    finish()
                    throw ASGIError.protocolViolation("'\(event.type)' event on an HTTP request")
                }
            }
        }

        private mutating func finish() {
            phase = .finished
            context.finishBody(.streamed)
        }
    }
}
