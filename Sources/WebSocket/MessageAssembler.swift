/// The data message being read: its kind, its bytes so far (unmasked, and inflated when the
/// message is compressed) and, for text, the UTF-8 check of those bytes as they come.
///
/// It holds no memory between messages: the buffer is handed out with the message (binary) or
/// dropped once the `String` is made (text), so an idle reader costs no buffer at all.
struct MessageAssembler {
    /// Text or binary while a message is being read, nil between messages.
    private(set) var kind: Opcode?
    /// The first frame had RSV1 set: the payload is raw deflate data.
    private(set) var isCompressed = false
    private var bytes: [UInt8] = []
    private var utf8 = UTF8Validator()

    /// Message bytes so far (inflated ones when compressed).
    var count: Int { bytes.count }
    /// Memory held by the buffer.
    var capacity: Int { bytes.capacity }

    mutating func begin(_ kind: Opcode, compressed: Bool) {
        self.kind = kind
        isCompressed = compressed
    }

    /// Adds a piece of a frame's payload: `piece` as received, masked with `mask` from key byte
    /// `phase` when the frame was masked. Inflates it when compressed (refusing, 1009, to grow past
    /// `limit`); checks the new text bytes (1007 at the first bad one).
    mutating func append(
        _ piece: UnsafeRawBufferPointer, mask: MaskingKey?, phase: Int, decompressor: Decompressor?, limit: Int
    ) throws(WebSocketError) {
        if isCompressed, let decompressor {
            let isText = kind == .text
            var validator = utf8
            defer { utf8 = validator }
            if let mask {
                try Self.unmasked(piece, mask: mask, phase: phase) { (chunk) throws(WebSocketError) in
                    try decompressor.inflate(chunk, into: &bytes, limit: limit) { !isText || validator.validate($0) }
                }
            } else {
                try decompressor.inflate(piece, into: &bytes, limit: limit) { !isText || validator.validate($0) }
            }
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: piece)
        if let mask {
            bytes.withUnsafeMutableBytes { all in
                _ = mask.apply(to: UnsafeMutableRawBufferPointer(rebasing: all[start...]), phase: phase)
            }
        }
        if kind == .text {
            let valid = bytes.withUnsafeBytes { utf8.validate(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            if !valid { throw .invalidUTF8 }
        }
    }

    /// Ends the message after its last frame: the event, and the buffer released.
    mutating func finish(decompressor: Decompressor?, limit: Int) throws(WebSocketError) -> FrameEvent {
        if isCompressed, let decompressor {
            let isText = kind == .text
            var validator = utf8
            defer { utf8 = validator }
            try decompressor.finishMessage(into: &bytes, limit: limit) { !isText || validator.validate($0) }
        }
        let event: FrameEvent
        if kind == .text {
            guard utf8.isComplete else { throw .invalidUTF8 }
            event = .text(String(decoding: bytes, as: UTF8.self))
        } else {
            event = .binary(bytes)
        }
        reset()
        return event
    }

    /// Drops the message and its buffer.
    mutating func reset() {
        self = MessageAssembler()
    }

    /// Calls `body` with `piece` unmasked, in stack chunks of up to 4 KiB (the received bytes are
    /// read-only, and inflate needs them unmasked).
    private static func unmasked(
        _ piece: UnsafeRawBufferPointer, mask: MaskingKey, phase: Int,
        _ body: (UnsafeRawBufferPointer) throws(WebSocketError) -> Void
    ) throws(WebSocketError) {
        let chunkSize = 4096
        try withUnsafeTemporaryAllocation(byteCount: min(piece.count, chunkSize), alignment: 8) {
            (scratch) throws(WebSocketError) in
            var offset = 0
            var phase = phase
            while offset < piece.count {
                let n = min(chunkSize, piece.count - offset)
                let chunk = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<n])
                chunk.copyMemory(from: UnsafeRawBufferPointer(rebasing: piece[offset..<(offset + n)]))
                phase = mask.apply(to: chunk, phase: phase)
                try body(UnsafeRawBufferPointer(chunk))
                offset += n
            }
        }
    }
}
