/// A frame's header (RFC 6455 §5.2): 2 bytes, then 0, 2 or 8 bytes of extended length, then the
/// masking key when the mask bit is set; 2 to 14 bytes in all.
///
/// The reader checks the first two bytes as soon as it has them (`checkPrefix`), before the rest
/// of the header arrives, so that a bad frame is refused at its first bytes whatever the cuts.
struct FrameHeader {
    var fin = false
    var rsv1 = false
    var opcode = Opcode.continuation
    var maskingKey: MaskingKey?
    /// Payload length; less than 2^63 (a set top bit is refused), otherwise as sent: a length that
    /// could have been encoded shorter is accepted, RFC 6455 only asks senders for the shortest.
    var length = 0

    init() {}

    /// The header's size, from its second byte.
    static func size(second: UInt8) -> Int {
        let lengthBytes =
            switch second & 0x7F {
            case 126: 2
            case 127: 8
            default: 0
            }
        return 2 + lengthBytes + (second & 0x80 != 0 ? 4 : 0)
    }

    /// What the reader knows when it checks a frame's first two bytes.
    struct Context {
        var role: Role
        /// permessage-deflate was negotiated: RSV1 may mark the first frame of a message.
        var compression: Bool
        /// A fragmented data message has begun and not ended.
        var inMessage: Bool
    }

    /// Refuses (1002) reserved bits, reserved opcodes, a fragmented, long or RSV1 control frame,
    /// a continuation with nothing to continue, a new data frame inside a fragmented message, RSV1
    /// where it may not be, and masking the wrong way for the role. Checked in that order.
    static func checkPrefix(_ first: UInt8, _ second: UInt8, _ context: Context) throws(WebSocketError) {
        let fin = first & 0x80 != 0
        let rsv1 = first & 0x40 != 0
        if first & 0x30 != 0 { throw .protocolError("reserved bits set") }
        guard let opcode = Opcode(rawValue: first & 0x0F) else {
            throw .protocolError("reserved opcode \(first & 0x0F)")
        }
        if opcode.isControl {
            if !fin { throw .protocolError("fragmented control frame") }
            if second & 0x7F > 125 { throw .protocolError("control frame over 125 bytes") }
            if rsv1 { throw .protocolError("RSV1 set on a control frame") }
        } else if opcode == .continuation {
            if !context.inMessage { throw .protocolError("continuation frame without a message") }
            if rsv1 { throw .protocolError("RSV1 set on a continuation frame") }
        } else {
            if context.inMessage { throw .protocolError("new data frame inside a fragmented message") }
            if rsv1 && !context.compression { throw .protocolError("RSV1 set without permessage-deflate") }
        }
        let masked = second & 0x80 != 0
        switch context.role {
        case .server where !masked: throw .protocolError("unmasked frame from a client")
        case .client where masked: throw .protocolError("masked frame from a server")
        default: break
        }
    }

    /// Parses a whole header (`size(second:)` bytes) whose prefix passed `checkPrefix`; refuses
    /// (1002) a 64-bit length with the top bit set.
    init(_ bytes: UnsafeRawBufferPointer) throws(WebSocketError) {
        let first = bytes[0]
        let second = bytes[1]
        fin = first & 0x80 != 0
        rsv1 = first & 0x40 != 0
        opcode = Opcode(rawValue: first & 0x0F) ?? .continuation
        var offset = 2
        switch second & 0x7F {
        case 126:
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            offset = 4
        case 127:
            let wide = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
            if wide >> 63 != 0 { throw .protocolError("payload length with the top bit set") }
            length = Int(wide)
            offset = 10
        default:
            length = Int(second & 0x7F)
        }
        if second & 0x80 != 0 { maskingKey = MaskingKey(bytes: bytes, at: offset) }
    }
}
