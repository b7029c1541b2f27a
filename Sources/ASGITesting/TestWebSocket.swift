public import ASGI
import ASGIServer
import WebSocket

extension TestClient {
    /// Opens a WebSocket to `path` (the RFC 6455 handshake over an in-memory connection), runs
    /// `body` with it, then closes it (1000) unless it is closed already. A refused handshake
    /// throws ``TestWebSocketDenied`` with the server's answer (the application's denial
    /// response, or 403/404/400 from the server).
    public func websocket<T: Sendable>(
        _ path: String, subprotocols: [String] = [], headers: Headers = Headers(),
        maxMessageSize: Int = 16 << 20, _ body: (TestWebSocket) async throws -> T
    ) async throws -> T {
        let connection = try await server().connect()
        let reader = ResponseReader(connection.received)
        let key = Handshake.makeKey()
        var fields = headers
        fields.append(name: "upgrade", value: "websocket")
        fields.append(name: "connection", value: "Upgrade")
        fields.append(name: "sec-websocket-key", value: key)
        fields.append(name: "sec-websocket-version", value: "13")
        if !subprotocols.isEmpty { fields.append(name: "sec-websocket-protocol", value: subprotocols.joined(separator: ", ")) }
        connection.send(Self.requestHead("GET", path, headers: fields, body: .empty))
        let head: ResponseHead
        do {
            head = try await reader.readHead(requestMethod: "GET")
        } catch {
            connection.close()
            throw error
        }
        guard head.status == 101 else {
            var bytes: [UInt8] = []
            let trailers = try? await reader.readBody(of: head) { bytes += $0 }
            connection.close()
            throw TestWebSocketDenied(
                response: TestResponse(
                    status: head.status, reason: head.reason, headers: head.headers, body: bytes, trailers: trailers ?? Headers()))
        }
        guard head.headers["sec-websocket-accept"] == Handshake.acceptValue(forKey: key) else {
            connection.close()
            throw TestClientError.malformedResponse("sec-websocket-accept does not match the key")
        }
        let socket = TestWebSocket(
            connection: connection, reader: reader, headers: head.headers, maxMessageSize: maxMessageSize)
        do {
            let result = try await body(socket)
            await socket.finish()
            return result
        } catch {
            await socket.finish()
            throw error
        }
    }
}

/// The server refused the WebSocket handshake; `response` is what it answered instead.
public struct TestWebSocketDenied: Error, Sendable {
    public let response: TestResponse
}

/// The server closed the WebSocket (Starlette's `WebSocketDisconnect`).
public struct TestWebSocketClosed: Error, Sendable, Equatable {
    /// nil when the close frame had no code (1005 on the application's side).
    public let code: UInt16?
    public let reason: String
}

/// The client end of a WebSocket opened by ``TestClient/websocket(_:subprotocols:headers:maxMessageSize:_:)``.
/// Pings are answered; frames are masked as a client's must be. One task at a time.
public actor TestWebSocket {
    /// A data message from the server.
    public enum Message: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
    }

    /// The handshake response's fields (`sec-websocket-protocol` names the chosen subprotocol).
    public nonisolated let headers: Headers
    public nonisolated var subprotocol: String? { headers["sec-websocket-protocol"] }
    private let connection: InMemoryConnection
    private let reader: ResponseReader
    private let frames: FrameReader
    private var pending: [FrameEvent] = []
    private var closedBy: TestWebSocketClosed?
    private var sentClose = false

    init(connection: InMemoryConnection, reader: ResponseReader, headers: Headers, maxMessageSize: Int) {
        self.connection = connection
        self.reader = reader
        self.headers = headers
        self.frames = FrameReader(role: .client, maxMessageSize: maxMessageSize)
    }

    public func send(text: String) throws {
        try write(.text, Array(text.utf8))
    }

    public func send(bytes: [UInt8]) throws {
        try write(.binary, bytes)
    }

    /// The next text or binary message; throws ``TestWebSocketClosed`` once the server closed.
    public func receive() async throws -> Message {
        while true {
            if let closedBy { throw closedBy }
            if !pending.isEmpty {
                switch pending.removeFirst() {
                case .text(let text): return .text(text)
                case .binary(let bytes): return .binary(bytes)
                case .ping(let payload):
                    var out: [UInt8] = []
                    FrameWriter.appendFrame(.pong, payload: payload, mask: UInt32.random(in: 0...UInt32.max), into: &out)
                    connection.send(out)
                case .pong:
                    break
                case .close(let code, let reason):
                    closedBy = TestWebSocketClosed(code: code, reason: reason)
                    if !sentClose {
                        sentClose = true
                        var out: [UInt8] = []
                        FrameWriter.appendClose(code: code, reason: "", mask: UInt32.random(in: 0...UInt32.max), into: &out)
                        connection.send(out)
                    }
                    connection.finishSending()
                }
                continue
            }
            guard let bytes = try await reader.readAvailable() else {
                closedBy = TestWebSocketClosed(code: 1006, reason: "the connection ended without a close frame")
                continue
            }
            _ = try bytes.withUnsafeBytes { raw in
                try frames.feed(raw) { event in
                    pending.append(event)
                    return true
                }
            }
        }
    }

    public func receiveText() async throws -> String {
        guard case .text(let text) = try await receive() else { throw TestClientError.malformedResponse("expected a text message") }
        return text
    }

    public func receiveBytes() async throws -> [UInt8] {
        guard case .binary(let bytes) = try await receive() else { throw TestClientError.malformedResponse("expected a binary message") }
        return bytes
    }

    /// Sends a close frame and waits (messages still arriving are dropped) for the server's.
    /// Returns the server's close.
    @discardableResult
    public func close(code: UInt16 = 1000, reason: String = "") async throws -> TestWebSocketClosed {
        if !sentClose, closedBy == nil {
            sentClose = true
            var out: [UInt8] = []
            FrameWriter.appendClose(code: code, reason: reason, mask: UInt32.random(in: 0...UInt32.max), into: &out)
            connection.send(out)
        }
        while true {
            do {
                _ = try await receive()
            } catch let closed as TestWebSocketClosed {
                return closed
            }
        }
    }

    /// After the test's closure: a normal close unless the server closed already.
    func finish() async {
        if closedBy == nil { _ = try? await close() }
        connection.close()
    }

    private func write(_ opcode: Opcode, _ payload: [UInt8]) throws {
        if let closedBy { throw closedBy }
        var out: [UInt8] = []
        FrameWriter.appendFrame(opcode, payload: payload, mask: UInt32.random(in: 0...UInt32.max), into: &out)
        connection.send(out)
    }
}
