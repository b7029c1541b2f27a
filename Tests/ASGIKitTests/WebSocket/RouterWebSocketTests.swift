import ASGI
import ASGIKit
import Synchronization
import Testing

/// `router.websocket` driven through the ASGI interface directly: scripted receive events in,
/// the sent messages recorded.
@Suite struct RouterWebSocketTests {
    /// A scripted ASGI peer: `receive` returns the events in order (then disconnects), `send`
    /// records.
    final class Peer: Sendable {
        private let incoming: Mutex<[ReceiveEvent]>
        private let sent = Mutex<[SendEvent]>([])
        init(_ events: [ReceiveEvent]) { incoming = Mutex(events) }

        var receive: Receive {
            { [self] in
                incoming.withLock { $0.isEmpty ? .websocketDisconnect(code: 1006, reason: "") : $0.removeFirst() }
            }
        }
        var send: Send { { [self] event in sent.withLock { $0.append(event) } } }
        var types: [String] { sent.withLock { $0.map(\.type) } }
        var events: [SendEvent] { sent.withLock { $0 } }
    }

    static func scope(_ path: String, subprotocols: [String] = []) -> Scope {
        .websocket(path: path, rawPath: Array(path.utf8), subprotocols: subprotocols)
    }

    @Test func echoRouteWithPathParameter() async throws {
        let router = Router()
        router.websocket("/ws/rooms/:room") { ws in
            try await ws.accept(subprotocol: ws.subprotocols.first)
            let room = try ws.pathParameters.require("room")
            for try await message in ws.messages {
                if case .text(let text) = message { try await ws.send(text: "\(room): \(text)") }
            }
            #expect(ws.closeCode == 1000)
        }
        let peer = Peer([.websocketConnect, .websocketReceive(.text("hi")), .websocketDisconnect(code: 1000, reason: "")])
        try await router(Self.scope("/ws/rooms/blue", subprotocols: ["chat"]), peer.receive, peer.send)
        #expect(peer.types == ["websocket.accept", "websocket.send"])
        guard case .websocketAccept(let subprotocol, _) = peer.events[0], case .websocketSend(let message) = peer.events[1] else {
            Issue.record("unexpected events \(peer.events.map(\.type))")
            return
        }
        #expect(subprotocol == "chat")
        #expect(message == .text("blue: hi"))
    }

    @Test func unknownPathIsDeniedWith404() async throws {
        let router = Router()
        router.websocket("/ws") { ws in try await ws.accept() }
        let peer = Peer([.websocketConnect])
        try await router(Self.scope("/nope"), peer.receive, peer.send)
        guard case .websocketHTTPResponseStart(let status, _) = peer.events.first else {
            Issue.record("expected a denial, got \(peer.types)")
            return
        }
        #expect(status == 404)
        #expect(peer.types == ["websocket.http.response.start", "websocket.http.response.body"])
    }

    @Test func httpErrorBeforeAcceptBecomesTheDenial() async throws {
        let router = Router()
        router.websocket("/ws") { _ in throw HTTPError(401, "token required") }
        let peer = Peer([.websocketConnect])
        try await router(Self.scope("/ws"), peer.receive, peer.send)
        guard case .websocketHTTPResponseStart(401, _) = peer.events.first,
              case .websocketHTTPResponseBody(let body, false) = peer.events.last else {
            Issue.record("expected a 401 denial, got \(peer.types)")
            return
        }
        #expect(String(decoding: body, as: UTF8.self) == "token required")
    }

    @Test func errorAfterAcceptIsRethrown() async throws {
        struct Boom: Error {}
        let router = Router()
        router.websocket("/ws") { ws in
            try await ws.accept()
            throw Boom()
        }
        let peer = Peer([.websocketConnect])
        await #expect(throws: Boom.self) { try await router(Self.scope("/ws"), peer.receive, peer.send) }
        #expect(peer.types == ["websocket.accept"])
    }

    @Test func handlerThatNeverAnswersIsAccepted() async throws {
        let router = Router()
        router.websocket("/ws") { _ in }
        let peer = Peer([.websocketConnect])
        try await router(Self.scope("/ws"), peer.receive, peer.send)
        #expect(peer.types == ["websocket.accept"])
    }

    @Test func closeBeforeAcceptAndJSONSend() async throws {
        let router = Router()
        router.websocket("/closed") { ws in try await ws.close(code: 4003, reason: "no") }
        router.websocket("/json") { ws in
            try await ws.accept()
            try await ws.send(json: ["n": 1])
            try await ws.send(bytes: [1, 2])
        }
        let closed = Peer([.websocketConnect])
        try await router(Self.scope("/closed"), closed.receive, closed.send)
        guard case .websocketClose(4003, "no") = closed.events.first else {
            Issue.record("expected a close, got \(closed.types)")
            return
        }
        let json = Peer([.websocketConnect])
        try await router(Self.scope("/json"), json.receive, json.send)
        guard json.events.count == 3, case .websocketSend(.text(#"{"n":1}"#)) = json.events[1],
              case .websocketSend(.bytes([1, 2])) = json.events[2] else {
            Issue.record("unexpected \(json.events)")
            return
        }
    }

    @Test func groupPrefixAppliesAndHTTPRoutesAreSeparate() async throws {
        let router = Router()
        router.get("/live") { _ in .text("http") }
        router.group("/api") { api in api.websocket("/live") { ws in try await ws.accept() } }
        let peer = Peer([.websocketConnect])
        try await router(Self.scope("/api/live"), peer.receive, peer.send)
        #expect(peer.types == ["websocket.accept"])
        // The HTTP route of the same name is not a WebSocket route.
        let other = Peer([.websocketConnect])
        try await router(Self.scope("/live"), other.receive, other.send)
        #expect(other.types.first == "websocket.http.response.start")
    }
}
