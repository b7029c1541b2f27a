/// Close status codes (RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number" registry).
///
/// Plain `UInt16` constants rather than an enum: a peer may send any registered or private code,
/// and the reader hands it on as it came.
public enum CloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let unsupportedData: UInt16 = 1003
    /// Never on the wire: what a close frame without a payload is reported as.
    public static let noStatus: UInt16 = 1005
    /// Never on the wire: the connection ended without a close frame.
    public static let abnormal: UInt16 = 1006
    public static let invalidPayload: UInt16 = 1007
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
    public static let mandatoryExtension: UInt16 = 1010
    public static let internalError: UInt16 = 1011
    public static let serviceRestart: UInt16 = 1012
    public static let tryAgainLater: UInt16 = 1013

    /// Whether a peer may send `code` in a close frame: 1000–1003 and 1007–1014 (defined by RFC
    /// 6455 or registered since), 3000–3999 (registered) and 4000–4999 (private use). 1004 is
    /// reserved, 1005, 1006 and 1015 are never sent, and the rest of 0–2999 is unassigned.
    public static func isValidOnWire(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// Whether an application may ask to close with `code`: what may go on the wire. 1005, 1006
    /// and 1015 never do; they only report how a connection ended.
    public static func isValidForApplication(_ code: UInt16) -> Bool {
        isValidOnWire(code)
    }
}
