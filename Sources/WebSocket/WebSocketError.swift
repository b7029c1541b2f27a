/// A protocol failure found in what the peer sent: the connection must be closed with
/// `closeCode` (RFC 6455 §7.1.7, "fail the WebSocket connection").
///
/// ```swift
/// do { consumed = try reader.feed(bytes) { event in queue.push(event) } } catch {
///     FrameWriter.appendClose(code: error.closeCode, reason: error.reason, into: &out)
/// }
/// ```
public struct WebSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1002 (protocol error), 1007 (invalid payload data) or 1009 (message too big).
    public let closeCode: UInt16
    /// Short human text, e.g. "reserved opcode"; short enough for a close frame's reason.
    public let reason: String

    public init(closeCode: UInt16, reason: String) {
        self.closeCode = closeCode
        self.reason = reason
    }

    public var description: String { "\(closeCode): \(reason)" }

    static func protocolError(_ reason: String) -> WebSocketError {
        WebSocketError(closeCode: CloseCode.protocolError, reason: reason)
    }
    static func invalidPayload(_ reason: String) -> WebSocketError {
        WebSocketError(closeCode: CloseCode.invalidPayload, reason: reason)
    }
    static let messageTooBig = WebSocketError(closeCode: CloseCode.messageTooBig, reason: "message too big")
    static let invalidUTF8 = WebSocketError(closeCode: CloseCode.invalidPayload, reason: "invalid UTF-8")
}
