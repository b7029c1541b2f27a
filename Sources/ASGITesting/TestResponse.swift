public import ASGI
import ASGIServer
import Synchronization

/// A whole response as the server wrote it.
public struct TestResponse: Sendable {
    public let status: Int
    /// The status line's reason phrase.
    public let reason: String
    /// Names lower-cased, in the order the server wrote them.
    public let headers: Headers
    public let body: [UInt8]
    /// Trailer fields of a chunked response.
    public let trailers: Headers

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A response whose body is still arriving: iterate ``body`` for its pieces.
public final class TestStreamingResponse: Sendable {
    public let status: Int
    public let reason: String
    public let headers: Headers
    /// The body's pieces as the server writes them; ends with the body (then ``trailers()``
    /// has the trailer fields), throws when the connection ends first.
    public let body: AsyncThrowingStream<[UInt8], any Error>
    private let trailerFields = TrailerFields()

    init(head: ResponseHead, reader: ResponseReader, connection: InMemoryConnection, sender: Task<Void, Never>) {
        status = head.status
        reason = head.reason
        headers = head.headers
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        body = stream
        let box = ReaderBox(reader)
        let trailers = trailerFields
        let pump = Task {
            do {
                let fields = try await box.reader.readBody(of: head) { piece in continuation.yield(piece) }
                trailers.fields.withLock { $0 = fields }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            // The response is complete: the client is done with this connection.
            sender.cancel()
            connection.finishSending()
        }
        continuation.onTermination = { reason in
            if case .cancelled = reason {
                pump.cancel()
                sender.cancel()
                connection.close()
            }
        }
    }

    /// Trailer fields (chunked responses), once ``body`` has ended.
    public func trailers() -> Headers { trailerFields.fields.withLock { $0 } }
}

/// Trailer fields, written by the task reading the body.
final class TrailerFields: Sendable {
    let fields = Mutex(Headers())
}

/// Moves the reader into the task that alone uses it from then on.
struct ReaderBox: @unchecked Sendable {
    // Safety: handed over once; after that only the pumping task touches the reader.
    let reader: ResponseReader
    init(_ reader: ResponseReader) { self.reader = reader }
}
