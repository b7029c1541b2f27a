internal import CZlib

/// Inflates permessage-deflate messages for `FrameReader` (RFC 7692 §7.2.2): each message's
/// payload followed by `00 00 FF FF`, as raw deflate data.
///
/// Inflating goes in steps of at most 16 KiB of output, each checked against the limit before it
/// is kept, so a message that inflates past the limit (a deflate bomb) fails with 1009 having
/// held at most the limit. The zlib stream is created on the first compressed message; it is kept
/// between messages with context takeover, freed after every message without it (the peer's
/// `no_context_takeover`), so an idle connection then holds none. A final block (BFINAL set)
/// ends a deflate stream: what follows in the message starts a new one.
///
/// Memory per stream: about 7 KB of inflate state plus the window, 2^bits bytes (4 KiB with our
/// default of 12 bits), allocated by zlib when the first output needs it.
public final class Decompressor {
    /// Largest inflated message; `FrameReader` uses the smaller of this and its own limit.
    public let maxSize: Int
    private let windowBits: Int32
    private let resetsPerMessage: Bool
    private var box: UnsafeMutablePointer<ZStreamBox>?

    static let outputStep = 16 * 1024

    /// The decompressor for messages the peer of `role` sends: a server inflates client messages
    /// (client window, `clientNoContextTakeover`), a client server ones.
    public init(parameters: DeflateParameters, role: Role, maxSize: Int) {
        self.maxSize = maxSize
        switch role {
        case .server:
            windowBits = ZStreamBox.windowBits(parameters.clientMaxWindowBits)
            resetsPerMessage = parameters.clientNoContextTakeover
        case .client:
            windowBits = ZStreamBox.windowBits(parameters.serverMaxWindowBits)
            resetsPerMessage = parameters.serverNoContextTakeover
        }
    }

    deinit { release() }

    /// Bytes zlib holds for this decompressor now.
    public var memoryInUse: Int { box?.pointee.allocated ?? 0 }

    /// Inflates `input` (unmasked payload bytes), appending to `out`; 1009 when `out` would pass
    /// `limit`, 1007 for data that is not deflate.
    func inflate(_ input: UnsafeRawBufferPointer, into out: inout [UInt8], limit: Int) throws(WebSocketError) {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        let stream = try ZStreamBox.stream(open())
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.outputStep) {
            (scratch) throws(WebSocketError) in
            while true {
                let before = stream.pointee.avail_in
                stream.pointee.next_out = scratch.baseAddress
                stream.pointee.avail_out = uInt(Self.outputStep)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                let produced = Self.outputStep - Int(stream.pointee.avail_out)
                stream.pointee.next_out = nil
                if produced > limit - out.count { throw .messageTooBig }
                out.append(contentsOf: scratch[0..<produced])
                switch status {
                case Z_OK, Z_BUF_ERROR:
                    break
                case Z_STREAM_END:
                    // A final block: anything after it in this message is a new stream.
                    inflateReset(stream)
                default:
                    throw .invalidPayload("invalid compressed data")
                }
                let output = stream.pointee.avail_out == 0
                if stream.pointee.avail_in == 0 && !output { return }
                if produced == 0 && stream.pointee.avail_in == before && status != Z_STREAM_END {
                    throw .invalidPayload("invalid compressed data")  // no progress possible
                }
            }
        }
    }

    /// Ends a message: inflates the `00 00 FF FF` the sender removed, then frees the stream when
    /// the peer does not take context over.
    func finishMessage(into out: inout [UInt8], limit: Int) throws(WebSocketError) {
        let tail: (UInt8, UInt8, UInt8, UInt8) = (0x00, 0x00, 0xFF, 0xFF)
        try withUnsafeBytes(of: tail) { (bytes) throws(WebSocketError) in
            try inflate(bytes, into: &out, limit: limit)
        }
        if resetsPerMessage { release() }
    }

    /// Frees the zlib stream; the next message starts a fresh one.
    func release() {
        guard let box else { return }
        inflateEnd(ZStreamBox.stream(box))
        ZStreamBox.deallocate(box)
        self.box = nil
    }

    private func open() throws(WebSocketError) -> UnsafeMutablePointer<ZStreamBox> {
        if let box { return box }
        let box = ZStreamBox.allocate()
        guard swiftasgi_inflate_init2(ZStreamBox.stream(box), -windowBits) == Z_OK else {
            ZStreamBox.deallocate(box)
            throw WebSocketError(closeCode: CloseCode.internalError, reason: "cannot start inflate")
        }
        self.box = box
        return box
    }
}
