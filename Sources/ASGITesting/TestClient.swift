public import ASGI
public import ASGIServer
import Synchronization

/// Calls an ASGI application in the same process, through the real server's connection state
/// machine but with no socket and no port (Starlette's `TestClient`, `HummingbirdTesting`):
/// requests are written as HTTP/1.1 bytes into an in-memory connection and the server's bytes are
/// read back as responses, so framing, limits, keep-alive rules and WebSocket upgrades behave as
/// they do on a socket.
///
/// ```swift
/// let client = TestClient(app)
/// let response = try await client.get("/")
/// #expect(response.status == 200 && response.text == "Hello")
/// try await client.websocket("/ws") { ws in
///     try await ws.send(text: "hi")
///     #expect(try await ws.receiveText() == "hi")
/// }
/// await client.shutdown()
/// ```
///
/// The lifespan protocol runs around it: startup before the first request (a failed startup is
/// the error that request throws), shutdown in ``shutdown()``. ``withClient(_:config:_:)`` does
/// both around a closure. Each request has a connection of its own; the client is `testclient`
/// (port 50000) and the server `testserver` (port 80), as in Starlette.
public final class TestClient: Sendable {
    public let config: ServerConfig
    private let app: Application
    private let state = Mutex<State>(.idle)

    private enum State {
        case idle
        case running(Task<InProcessServer, any Error>)
        case stopped
    }

    /// The access log is off by default (`config` can turn it on).
    public static var defaultConfig: ServerConfig {
        var config = ServerConfig()
        config.accessLog = false
        config.logger.logLevel = .warning
        return config
    }

    public init(_ app: @escaping Application, config: ServerConfig = TestClient.defaultConfig) {
        self.app = app
        self.config = config
    }

    /// A client for `body`, with lifespan startup before and shutdown after.
    public static func withClient<T: Sendable>(
        _ app: @escaping Application, config: ServerConfig = TestClient.defaultConfig,
        _ body: (TestClient) async throws -> T
    ) async throws -> T {
        let client = TestClient(app, config: config)
        do {
            try await client.start()
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    /// Runs lifespan startup now (otherwise the first request does). Throws what startup failed with.
    public func start() async throws {
        _ = try await server()
    }

    /// Lifespan shutdown; the server closes. Requests after this throw ``TestClientError/shutDown``.
    public func shutdown() async {
        let task: Task<InProcessServer, any Error>? = state.withLock { state in
            defer { state = .stopped }
            if case .running(let task) = state { return task }
            return nil
        }
        guard let task, let server = try? await task.value else { return }
        await server.shutdown()
    }

    deinit {
        if case .running(let task) = state.withLock({ $0 }) {
            Task { if let server = try? await task.value { await server.shutdown() } }
        }
    }

    func server() async throws -> InProcessServer {
        let task = try state.withLock { state -> Task<InProcessServer, any Error> in
            switch state {
            case .running(let task): return task
            case .stopped: throw TestClientError.shutDown
            case .idle:
                let (app, config) = (self.app, self.config)
                let task = Task { try await InProcessServer.start(config: config, app: app) }
                state = .running(task)
                return task
            }
        }
        return try await task.value
    }

    // MARK: Requests

    public func get(_ path: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await request("GET", path, headers: headers)
    }

    public func head(_ path: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await request("HEAD", path, headers: headers)
    }

    public func delete(_ path: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await request("DELETE", path, headers: headers)
    }

    public func post(_ path: String, body: [UInt8] = [], headers: Headers = Headers()) async throws -> TestResponse {
        try await request("POST", path, headers: headers, body: .bytes(body))
    }

    public func post(_ path: String, text: String, headers: Headers = Headers()) async throws -> TestResponse {
        try await post(path, body: Array(text.utf8), headers: headers)
    }

    public func put(_ path: String, body: [UInt8] = [], headers: Headers = Headers()) async throws -> TestResponse {
        try await request("PUT", path, headers: headers, body: .bytes(body))
    }

    /// One request and its whole response.
    public func request(
        _ method: String, _ path: String, headers: Headers = Headers(), body: RequestBody = .empty
    ) async throws -> TestResponse {
        let response = try await stream(method, path, headers: headers, body: body)
        var bytes: [UInt8] = []
        for try await piece in response.body { bytes += piece }
        return TestResponse(
            status: response.status, reason: response.reason, headers: response.headers, body: bytes,
            trailers: response.trailers())
    }

    /// One request; the response's body arrives piece by piece as the server writes it
    /// (streaming responses, server-sent events).
    public func stream(
        _ method: String, _ path: String, headers: Headers = Headers(), body: RequestBody = .empty
    ) async throws -> TestStreamingResponse {
        let connection = try await server().connect()
        let reader = ResponseReader(connection.received)
        connection.send(Self.requestHead(method, path, headers: headers, body: body))
        let sender = Task { await body.write(to: connection) }
        do {
            let head = try await reader.readHead(requestMethod: method)
            return TestStreamingResponse(head: head, reader: reader, connection: connection, sender: sender)
        } catch {
            sender.cancel()
            connection.close()
            throw error
        }
    }

    /// The request line and fields; `host` and the body's framing added when absent.
    static func requestHead(_ method: String, _ path: String, headers: Headers, body: RequestBody) -> [UInt8] {
        var out = Array("\(method) \(path) HTTP/1.1\r\n".utf8)
        if headers["host"] == nil { out += Array("host: testserver\r\n".utf8) }
        for field in headers {
            out += field.name
            out += Array(": ".utf8)
            out += field.value
            out += Array("\r\n".utf8)
        }
        if headers["content-length"] == nil && headers["transfer-encoding"] == nil {
            switch body {
            case .bytes(let bytes):
                if !bytes.isEmpty || ["POST", "PUT", "PATCH"].contains(method) { out += Array("content-length: \(bytes.count)\r\n".utf8) }
            case .chunks, .stream:
                out += Array("transfer-encoding: chunked\r\n".utf8)
            }
        }
        return out + Array("\r\n".utf8)
    }
}

/// A request body: bytes with a `content-length`, or pieces sent `chunked` as they come.
public enum RequestBody: Sendable {
    case bytes([UInt8])
    /// Sent as one chunk each, then the last chunk.
    case chunks([[UInt8]])
    /// Sent as one chunk per element, as the sequence produces them.
    case stream(AsyncStream<[UInt8]>)

    public static var empty: RequestBody { .bytes([]) }

    func write(to connection: InMemoryConnection) async {
        switch self {
        case .bytes(let bytes):
            connection.send(bytes)
        case .chunks(let pieces):
            for piece in pieces where !piece.isEmpty { connection.send(Self.chunk(piece)) }
            connection.send(Array("0\r\n\r\n".utf8))
        case .stream(let pieces):
            for await piece in pieces where !piece.isEmpty {
                if Task.isCancelled { return }
                connection.send(Self.chunk(piece))
            }
            connection.send(Array("0\r\n\r\n".utf8))
        }
    }

    private static func chunk(_ piece: [UInt8]) -> [UInt8] {
        Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + Array("\r\n".utf8)
    }
}
