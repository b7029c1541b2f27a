import ASGI
import Synchronization

/// What an application sent for one request.
struct Recorded: Sendable {
    var status: Int?
    var headers = Headers()
    /// Each `http.response.body` message: bytes and `moreBody`.
    var messages: [(bytes: [UInt8], moreBody: Bool)] = []
    /// The file of an `http.response.pathsend`, if that was the body.
    var pathsend: String?

    var body: [UInt8] { messages.flatMap(\.bytes) }
    var text: String { String(decoding: body, as: UTF8.self) }
    var complete: Bool { messages.last.map { !$0.moreBody } ?? false }
}

/// Calls an ASGI application as a server would, without sockets: the body is fed in `chunks`,
/// everything sent is recorded. `onSend` sees each event as it is sent (streaming tests).
func call(
    _ app: Application, _ method: String = "GET", _ target: String, headers: Headers = Headers(),
    body chunks: [[UInt8]] = [], client: Scope.Address? = Scope.Address(host: "127.0.0.1", port: 50000),
    onSend: @escaping @Sendable (SendEvent) async -> Void = { _ in }
) async throws -> Recorded {
    let question = target.firstIndex(of: "?")
    let rawPath = String(target[..<(question ?? target.endIndex)])
    let query = question.map { Array(target[target.index(after: $0)...].utf8) } ?? []
    let scope = Scope(
        method: method, path: percentDecoded(rawPath), rawPath: Array(rawPath.utf8), queryString: query,
        headers: headers, client: client)
    let pending = Mutex<(chunks: [[UInt8]], sentLast: Bool)>((chunks, false))
    let recorded = Mutex(Recorded())
    try await app(
        scope,
        {
            pending.withLock { state -> ReceiveEvent in
                if state.sentLast { return .disconnect }
                if state.chunks.isEmpty {
                    state.sentLast = true
                    return .request(body: [], moreBody: false)
                }
                let chunk = state.chunks.removeFirst()
                state.sentLast = state.chunks.isEmpty
                return .request(body: chunk, moreBody: !state.chunks.isEmpty)
            }
        },
        { event in
            recorded.withLock { recorded in
                switch event {
                case .responseStart(let status, let headers, _):
                    recorded.status = status
                    recorded.headers = headers
                case .responseBody(let bytes, let moreBody):
                    recorded.messages.append((bytes, moreBody))
                case .responsePathsend(let path, _):
                    recorded.pathsend = path
                default:
                    break
                }
            }
            await onSend(event)
        })
    return recorded.withLock { $0 }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// As the server decodes `scope.path`: bad escapes kept literally.
private func percentDecoded(_ path: String) -> String {
    PercentDecoding.decode(Array(path.utf8), badEscape: .keep)!
}
