import ASGI
import Synchronization

/// Per-request state behind ``Request``: the ASGI `receive`, where the body stands, and the
/// parsed query. A class so that copies of a `Request` share it; a `Mutex` so that it stays
/// correct when a request is handed to the blocking pool.
final class RequestContext: Sendable {
    enum BodyState: Sendable {
        /// Nothing read yet.
        case unread
        /// A reader (``Request/body(maxBytes:)`` or a body stream) owns `receive`.
        case reading
        /// The whole body, kept so `body()` can be called again.
        case collected([UInt8])
        /// A stream read the body to its end: the bytes are gone.
        case streamed
    }

    struct State {
        var body: BodyState = .unread
        var query: QueryParameters?
        /// ASGI `receive`, until the router's call returns (it must not escape that call).
        var receive: Receive?
    }

    let maxBodyBytes: Int
    private let state: Mutex<State>

    init(receive: @escaping Receive, maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
        state = Mutex(State(receive: receive))
    }

    /// Drops `receive`: the ASGI call is over.
    func detach() { state.withLock { $0.receive = nil } }

    /// The next ASGI receive event; after the call ended, a disconnect.
    func receive() async throws -> ReceiveEvent {
        guard let receive = state.withLock({ $0.receive }) else { return .disconnect }
        return try await receive()
    }

    func cachedQuery() -> QueryParameters? { state.withLock { $0.query } }
    func cacheQuery(_ query: QueryParameters) { state.withLock { $0.query = query } }

    /// Claims the body for one reader: returns the collected bytes when there are some, nil when
    /// the caller now owns `receive`; throws when another reader already consumed it.
    func claimBody() throws(HTTPError) -> [UInt8]? {
        try state.withLock { state throws(HTTPError) -> [UInt8]? in
            switch state.body {
            case .unread:
                state.body = .reading
                return nil
            case .collected(let bytes):
                return bytes
            case .reading, .streamed:
                throw HTTPError(500, "The request body was already consumed")
            }
        }
    }

    func finishBody(_ result: BodyState) {
        state.withLock { $0.body = result }
    }

    /// The body if it was collected already.
    var collectedBody: [UInt8]? {
        state.withLock { state in
            if case .collected(let bytes) = state.body { return bytes }
            return nil
        }
    }
}
