import ASGI
import HTTP1
import WebSocket

/// An `Upgrade: websocket` request, checked against RFC 6455 §4.2.1: what the handshake needs.
struct WebSocketUpgrade {
    enum Verdict {
        /// Not a WebSocket upgrade (no `websocket` token in `Upgrade`): plain HTTP.
        case notWebSocket
        /// A WebSocket upgrade that cannot be honoured: answer `status` (400, or 426 for another
        /// protocol version) and close.
        case invalid(status: Int, reason: String)
        case valid(WebSocketUpgrade)
    }

    /// `Sec-WebSocket-Key`, trimmed.
    let key: String
    /// The subprotocols the client offered, in its order.
    let subprotocols: [String]
    /// The agreed permessage-deflate parameters and the response header value, if any.
    let deflate: (parameters: DeflateParameters, response: String)?

    static func judge(_ head: RequestHead, deflate deflateAllowed: Bool) -> Verdict {
        let headers = head.headers
        let upgrade = Handshake.tokens(headers.values(name: "upgrade"))
        guard upgrade.contains(where: { $0.lowercased() == "websocket" }) else { return .notWebSocket }
        guard head.method == "GET" else { return .invalid(status: 400, reason: "a WebSocket upgrade must use GET") }
        guard head.versionMinor >= 1 else { return .invalid(status: 400, reason: "a WebSocket upgrade needs HTTP/1.1") }
        guard Handshake.tokens(headers.values(name: "connection")).contains(where: { $0.lowercased() == "upgrade" }) else {
            return .invalid(status: 400, reason: "WebSocket upgrade without 'Connection: upgrade'")
        }
        let keys = headers.values(name: "sec-websocket-key")
        guard keys.count == 1, Handshake.isValidKey(keys[0]) else {
            return .invalid(status: 400, reason: "missing or invalid Sec-WebSocket-Key")
        }
        let versions = headers.values(name: "sec-websocket-version")
        guard versions.count == 1 else { return .invalid(status: 400, reason: "missing Sec-WebSocket-Version") }
        guard versions[0].trimmingSpaces == "13" else {
            return .invalid(status: 426, reason: "unsupported Sec-WebSocket-Version (13 is supported)")
        }
        let offers = headers.values(name: "sec-websocket-extensions")
        return .valid(
            WebSocketUpgrade(
                key: String(keys[0].trimmingSpaces),
                subprotocols: Handshake.tokens(headers.values(name: "sec-websocket-protocol")),
                deflate: deflateAllowed && !offers.isEmpty ? PerMessageDeflate.negotiate(offers: offers) : nil))
    }
}
