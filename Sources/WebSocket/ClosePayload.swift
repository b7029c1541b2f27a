/// The payload of a close frame (RFC 6455 §5.5.1): empty, or a 2-byte big-endian status code
/// followed by a UTF-8 reason.
enum ClosePayload {
    /// The event for a close frame's (unmasked) payload. Refuses a 1-byte payload and a code no
    /// peer may send (1002), and a reason that is not UTF-8 (1007).
    static func event(_ payload: [UInt8]) throws(WebSocketError) -> FrameEvent {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        if payload.count == 1 { throw .protocolError("close frame with a 1-byte payload") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard CloseCode.isValidOnWire(code) else { throw .protocolError("invalid close code \(code)") }
        let reason = payload[2...]
        let valid = reason.withUnsafeBytes { UTF8Validator.isValid($0) }
        guard valid else { throw .invalidPayload("close reason is not UTF-8") }
        return .close(code: code, reason: String(decoding: reason, as: UTF8.self))
    }
}
