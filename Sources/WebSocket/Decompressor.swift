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
/// A peer that refers further back than its negotiated window breaks RFC 7692; zlib refuses such
/// a match (1007) only when it reaches before the output of the current inflate step, so
/// whether it is caught depends on how the bytes arrived. What is accepted is inflated
/// correctly, and memory stays bounded either way.
///
/// Memory per stream: 7.2 KB of inflate state plus the window, 2^bits bytes, allocated by zlib
/// when the first output needs it: 11.3 KB with our default of 12 bits, 39.9 KB with 15.
public final class Decompressor {
    /// Largest inflated message; `FrameReader` uses the smaller of this and its own limit.
    public let maxSize: Int
    private let windowBits: Int32
    private let resetsPerMessage: Bool
    private var box: UnsafeMutablePointer<ZStreamBox>?

    static let outputStep = 16 * 1024
    static let inputStep = 1 << 30

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

    /// Inflates `input` (unmasked payload bytes), appending to `out`. Each piece of output goes
    /// to `check` (the UTF-8 check of a text message, 1007 when it says no) before anything else
    /// is judged, then the limit (1009 when `out` would pass it; the bytes up to the limit are
    /// checked first), then zlib's verdict (1007 for data that is not deflate). So the error is
    /// the one at the earliest output byte, however the input was cut.
    func inflate(
        _ input: UnsafeRawBufferPointer, into out: inout [UInt8], limit: Int,
        check: (UnsafeRawBufferPointer) -> Bool = { _ in true }
    ) throws(WebSocketError) {
        guard let base = input.baseAddress, !input.isEmpty else { return }
        if input.count > Self.inputStep {  // zlib counts input in 32 bits
            var offset = 0
            while offset < input.count {
                let end = min(offset + Self.inputStep, input.count)
                try inflate(
                    UnsafeRawBufferPointer(rebasing: input[offset..<end]), into: &out, limit: limit, check: check)
                offset = end
            }
            return
        }
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
                let kept = UnsafeRawBufferPointer(start: scratch.baseAddress, count: min(produced, limit - out.count))
                if !check(kept) { throw .invalidUTF8 }
                if produced > kept.count { throw .messageTooBig }
                out.append(contentsOf: kept)
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
    func finishMessage(
        into out: inout [UInt8], limit: Int, check: (UnsafeRawBufferPointer) -> Bool = { _ in true }
    ) throws(WebSocketError) {
        let tail: (UInt8, UInt8, UInt8, UInt8) = (0x00, 0x00, 0xFF, 0xFF)
        try withUnsafeBytes(of: tail) { (bytes) throws(WebSocketError) in
            try inflate(bytes, into: &out, limit: limit, check: check)
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
