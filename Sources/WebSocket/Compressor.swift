internal import CZlib

/// Compresses whole messages for permessage-deflate (RFC 7692 §7.2.1): raw deflate, each message
/// ended with a sync flush whose trailing `00 00 FF FF` is removed.
///
/// The zlib stream is created on the first message. With context takeover (the default) it is
/// kept, so later messages refer back to earlier ones; with `no_context_takeover` for this side
/// it is freed after every message, and an idle connection holds none.
///
/// zlib settings: the negotiated window (our default offer is 12 bits, 4 KiB) and memLevel 5,
/// as the Python `websockets` server does by default; zlib then holds 38.7 KB per stream
/// (`memoryInUse`; 24.4 KB with 9 bits, 153 KB with 15) instead of about 268 KB with its own
/// defaults (15 bits, memLevel 8). Level 6 (zlib's default).
public final class Compressor {
    /// zlib's memory level: 5, like `websockets`, for 16 KiB of hash tables and literal buffer.
    static let memoryLevel: Int32 = 5
    static let level: Int32 = 6
    static let inputStep = 1 << 30

    private let windowBits: Int32
    private let resetsPerMessage: Bool
    private var box: UnsafeMutablePointer<ZStreamBox>?

    /// The compressor for messages `role` sends: a server uses the server window and
    /// `serverNoContextTakeover`, a client the client ones.
    public init(parameters: DeflateParameters, role: Role) {
        switch role {
        case .server:
            windowBits = ZStreamBox.windowBits(parameters.serverMaxWindowBits)
            resetsPerMessage = parameters.serverNoContextTakeover
        case .client:
            windowBits = ZStreamBox.windowBits(parameters.clientMaxWindowBits)
            resetsPerMessage = parameters.clientNoContextTakeover
        }
    }

    deinit { release() }

    /// Bytes zlib holds for this compressor now (0 before the first message, and between
    /// messages without context takeover).
    public var memoryInUse: Int { box?.pointee.allocated ?? 0 }

    /// The compressed payload of one whole message (to send with RSV1 set).
    public func compress(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        let stream = ZStreamBox.stream(open())
        // Output room: deflateBound (plus the flush marker) in the usual case, up to 64 KiB at
        // first (a compressible message should not cost its size in memory); more if needed.
        var room = min(Int(deflateBound(stream, uLong(min(message.count, Self.inputStep)))) + 16, 64 * 1024)
        var out: [UInt8] = []
        var offset = 0
        repeat {
            // zlib counts input in 32 bits: a huge message goes in 1 GiB steps, flushed at the end.
            let end = min(offset + Self.inputStep, message.count)
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: message.baseAddress?.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(end - offset)
            let flush = end == message.count ? Z_SYNC_FLUSH : Z_NO_FLUSH
            repeat {
                let chunk = [UInt8](unsafeUninitializedCapacity: room) { buffer, initialized in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = uInt(room)
                    let status = deflate(stream, flush)
                    precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed: \(status)")
                    initialized = room - Int(stream.pointee.avail_out)
                }
                if out.isEmpty { out = chunk } else { out.append(contentsOf: chunk) }
                room = max(16 * 1024, out.count / 2)
            } while stream.pointee.avail_in > 0 || stream.pointee.avail_out == 0
            offset = end
        } while offset < message.count
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        if out.count >= 4, out[(out.count - 4)...].elementsEqual([0x00, 0x00, 0xFF, 0xFF]) {
            out.removeLast(4)
        }
        if out.isEmpty {
            // An empty message right after another sync flush: zlib writes nothing (Z_BUF_ERROR),
            // but an empty payload would make the peer inflate `00 00 FF FF` as the start of a
            // stored block and lose its stream. One 0x00 byte (an empty stored block's header,
            // RFC 7692 §7.2.3.6) keeps both sides in step.
            out = [0x00]
        }
        if resetsPerMessage { release() }
        return out
    }

    /// `compress` for an array.
    public func compress(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { compress($0) }
    }

    private func open() -> UnsafeMutablePointer<ZStreamBox> {
        if let box { return box }
        let box = ZStreamBox.allocate()
        let status = swiftasgi_deflate_init2(ZStreamBox.stream(box), Self.level, -windowBits, Self.memoryLevel)
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")
        self.box = box
        return box
    }

    /// Frees the zlib stream; the next message starts a fresh one.
    func release() {
        guard let box else { return }
        deflateEnd(ZStreamBox.stream(box))
        ZStreamBox.deallocate(box)
        self.box = nil
    }
}
