/// Encodes frames (RFC 6455 §5.2) onto the end of an output buffer.
///
/// A server's frames go out unmasked; a client passes `mask`, the masking key whose bytes go on
/// the wire big-endian (`0x37FA213D` is sent as 37 fa 21 3d), and the payload is masked a word
/// at a time as it is copied.
///
/// ```swift
/// FrameWriter.appendMessage(.text, payload: bytes, compressor: compressor, into: &out)
/// FrameWriter.appendClose(code: CloseCode.normal, reason: "bye", into: &out)
/// ```
public enum FrameWriter {
    /// One frame. Control frames must have FIN set and at most 125 bytes of payload.
    public static func appendFrame(
        _ opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true, rsv1: Bool = false,
        mask: UInt32? = nil, into out: inout [UInt8]
    ) {
        precondition(!opcode.isControl || (fin && payload.count <= 125), "control frames: FIN, at most 125 bytes")
        out.append((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode.rawValue)
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        switch payload.count {
        case 0...125:
            out.append(maskBit | UInt8(payload.count))
        case 126...0xFFFF:
            out.append(maskBit | 126)
            out.append(UInt8(payload.count >> 8))
            out.append(UInt8(payload.count & 0xFF))
        default:
            out.append(maskBit | 127)
            withUnsafeBytes(of: UInt64(payload.count).bigEndian) { out.append(contentsOf: $0) }
        }
        if let mask { withUnsafeBytes(of: mask.bigEndian) { out.append(contentsOf: $0) } }
        let start = out.count
        out.append(contentsOf: payload)
        if let mask {
            out.withUnsafeMutableBytes { all in
                _ = MaskingKey(mask).apply(to: UnsafeMutableRawBufferPointer(rebasing: all[start...]), phase: 0)
            }
        }
    }

    /// `appendFrame` for an array.
    public static func appendFrame(
        _ opcode: Opcode, payload: [UInt8], fin: Bool = true, rsv1: Bool = false, mask: UInt32? = nil,
        into out: inout [UInt8]
    ) {
        payload.withUnsafeBytes { appendFrame(opcode, payload: $0, fin: fin, rsv1: rsv1, mask: mask, into: &out) }
    }

    /// A whole text or binary message as one frame. With a compressor (permessage-deflate was
    /// negotiated) the payload is always compressed and RSV1 set: one rule, no size threshold.
    public static func appendMessage(
        _ opcode: Opcode, payload: UnsafeRawBufferPointer, compressor: Compressor?, mask: UInt32? = nil,
        into out: inout [UInt8]
    ) {
        precondition(opcode == .text || opcode == .binary, "a message is text or binary")
        guard let compressor else { return appendFrame(opcode, payload: payload, mask: mask, into: &out) }
        let compressed = compressor.compress(payload)
        appendFrame(opcode, payload: compressed, rsv1: true, mask: mask, into: &out)
    }

    /// `appendMessage` for an array.
    public static func appendMessage(
        _ opcode: Opcode, payload: [UInt8], compressor: Compressor?, mask: UInt32? = nil, into out: inout [UInt8]
    ) {
        payload.withUnsafeBytes { appendMessage(opcode, payload: $0, compressor: compressor, mask: mask, into: &out) }
    }

    /// A close frame: `code` nil gives an empty payload (and no reason); otherwise the code and
    /// `reason`, cut to at most 123 bytes at a character boundary so the payload fits in 125.
    public static func appendClose(code: UInt16?, reason: String, mask: UInt32? = nil, into out: inout [UInt8]) {
        guard let code else { return appendFrame(.close, payload: [], mask: mask, into: &out) }
        var payload: [UInt8] = [UInt8(code >> 8), UInt8(code & 0xFF)]
        for scalar in reason.unicodeScalars {
            let encoded = UTF8.encode(scalar)!
            if payload.count - 2 + encoded.count > 123 { break }
            payload.append(contentsOf: encoded)
        }
        appendFrame(.close, payload: payload, mask: mask, into: &out)
    }
}
