/// Reads a peer's frames incrementally and delivers whole messages and control frames.
///
/// Feed it bytes as they arrive, cut anywhere; it reassembles fragmented messages (control frames
/// may come between the fragments), unmasks, inflates permessage-deflate messages, checks text as
/// UTF-8 while it arrives, and refuses everything RFC 6455 forbids with the close code to fail the
/// connection with: 1002 for framing errors (reserved bits, opcodes, control frame rules, a
/// continuation with nothing to continue or a data frame inside a fragmented message, masking
/// the wrong way for the role, a 64-bit length with the top bit set, a 1-byte close payload or an
/// invalid close code), 1007 for invalid UTF-8 (text, close reason) or compressed data, 1009 for a
/// message past `maxMessageSize`: an uncompressed one is refused from the frame header, before
/// its payload is read; a compressed one as soon as inflating it passes the limit.
///
/// ```swift
/// let reader = FrameReader(role: .server, maxMessageSize: 1 << 20)
/// let consumed = try reader.feed(bytes) { event in
///     queue.append(event)
///     return queue.count < 16  // false: stop here, feed the rest later
/// }
/// ```
///
/// After a throw the reader is dead: every later feed throws the same error. After a `.close`
/// event it delivers nothing more: the feed that delivered it returns the offset just after the
/// close frame, later feeds consume everything and deliver nothing.
///
/// Memory: no buffer is held between messages (an idle reader is this object alone); a partial
/// header waits in 16 inline bytes, a partial control frame in a buffer of its length, a partial
/// data message in one buffer released when the message is delivered.
public final class FrameReader {
    private enum Phase {
        case header
        case payload
        case closed
        case failed(WebSocketError)
    }

    private let role: Role
    private let maxMessageSize: Int
    private let decompressor: Decompressor?
    private var phase = Phase.header

    /// A header cut by the end of a feed, kept until it is whole.
    private var partialHeader: (UInt64, UInt64) = (0, 0)
    private var partialHeaderCount = 0

    /// The frame whose payload is being read.
    private var frame = FrameHeader()
    private var remaining = 0
    private var maskPhase = 0

    private var message = MessageAssembler()
    /// The payload of the control frame being read.
    private var control: [UInt8] = []

    /// A reader for frames a peer in the other role sends: a server reads client frames (all
    /// masked), a client reads server frames (none masked). `maxMessageSize` bounds a whole data
    /// message (after inflating); `decompressor`, when permessage-deflate was negotiated, inflates
    /// messages whose first frame has RSV1 set (without one, RSV1 is a protocol error).
    public init(role: Role, maxMessageSize: Int, decompressor: Decompressor? = nil) {
        precondition(maxMessageSize >= 0, "maxMessageSize must not be negative")
        self.role = role
        self.maxMessageSize = min(maxMessageSize, decompressor?.maxSize ?? Int.max)
        self.decompressor = decompressor
    }

    /// Memory the reader holds for a partial frame or message (buffer capacities, plus the bytes
    /// of a partial header); 0 between messages. zlib's state is not counted (see
    /// `Decompressor.memoryInUse`).
    public var bufferedBytes: Int { message.capacity + control.capacity + partialHeaderCount }

    /// Parses `bytes`, calling `onEvent` for each event in order; `onEvent` returns false to stop
    /// after that event (backpressure). Returns how many bytes were consumed: all of them, or up to
    /// the end of the frame whose event stopped the feed; the caller feeds the rest again later.
    /// A partial frame at the end is kept inside (consumed).
    public func feed(_ bytes: UnsafeRawBufferPointer, onEvent: (FrameEvent) -> Bool) throws(WebSocketError) -> Int {
        switch phase {
        case .failed(let error): throw error
        case .closed: return bytes.count
        case .header, .payload: break
        }
        do {
            return try read(bytes, onEvent)
        } catch {
            phase = .failed(error)
            release()
            throw error
        }
    }

    private func read(_ bytes: UnsafeRawBufferPointer, _ onEvent: (FrameEvent) -> Bool) throws(WebSocketError) -> Int {
        var i = 0
        while true {
            if case .header = phase {
                guard let next = try readHeader(bytes, from: i) else { return bytes.count }
                i = next
            }
            if remaining > 0 {
                guard i < bytes.count else { return i }
                i = try readPayload(bytes, from: i)
                if remaining > 0 { return i }
            }
            phase = .header
            if let event = try endFrame() {
                let more = onEvent(event)
                if case .close = event {
                    phase = .closed
                    release()
                    return i
                }
                if !more { return i }
            }
            if i == bytes.count { return i }
        }
    }

    // MARK: - Header

    /// Reads the header from `bytes[start...]`: the index after it once whole (then the frame has
    /// begun), nil when the bytes ended first (they are kept). The first two bytes are checked as
    /// soon as they are in, once.
    private func readHeader(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(WebSocketError) -> Int? {
        let available = bytes.count - start
        var checked = partialHeaderCount >= 2
        if partialHeaderCount == 0, available >= 2 {
            // The usual case: the whole header is in the bytes, read it there.
            try checkPrefix(bytes[start], bytes[start + 1])
            checked = true
            let size = FrameHeader.size(second: bytes[start + 1])
            if available >= size {
                try begin(FrameHeader(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + size)])))
                return start + size
            }
        }
        // Gather it in `partialHeader`.
        var i = start
        let (first, second, count) = withUnsafeMutableBytes(of: &partialHeader) { buffer in
            func take(upTo needed: Int) {
                while partialHeaderCount < needed, i < bytes.count {
                    buffer[partialHeaderCount] = bytes[i]
                    partialHeaderCount += 1
                    i += 1
                }
            }
            take(upTo: 2)
            if partialHeaderCount >= 2 { take(upTo: FrameHeader.size(second: buffer[1])) }
            return (buffer[0], buffer[1], partialHeaderCount)
        }
        guard count >= 2 else { return nil }
        if !checked { try checkPrefix(first, second) }
        guard count == FrameHeader.size(second: second) else { return nil }
        partialHeaderCount = 0
        try withUnsafeBytes(of: partialHeader) { (buffer) throws(WebSocketError) in
            try begin(FrameHeader(UnsafeRawBufferPointer(rebasing: buffer[0..<count])))
        }
        return i
    }

    private func checkPrefix(_ first: UInt8, _ second: UInt8) throws(WebSocketError) {
        let context = FrameHeader.Context(
            role: role, compression: decompressor != nil, inMessage: message.kind != nil)
        try FrameHeader.checkPrefix(first, second, context)
    }

    /// Starts reading the frame's payload; refuses (1009) an uncompressed data frame that would
    /// take the message past the limit.
    private func begin(_ header: FrameHeader) throws(WebSocketError) {
        if !header.opcode.isControl {
            if header.opcode != .continuation { message.begin(header.opcode, compressed: header.rsv1) }
            if !message.isCompressed, header.length > maxMessageSize - message.count { throw .messageTooBig }
        } else if header.length > 0 {
            control.reserveCapacity(header.length)
        }
        frame = header
        remaining = header.length
        maskPhase = 0
        phase = .payload
    }

    // MARK: - Payload

    private func readPayload(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(WebSocketError) -> Int {
        let n = min(remaining, bytes.count - start)
        let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + n)])
        if frame.opcode.isControl {
            let old = control.count
            control.append(contentsOf: piece)
            if let mask = frame.maskingKey {
                control.withUnsafeMutableBytes { all in
                    _ = mask.apply(to: UnsafeMutableRawBufferPointer(rebasing: all[old...]), phase: maskPhase)
                }
            }
        } else {
            try message.append(
                piece, mask: frame.maskingKey, phase: maskPhase, decompressor: decompressor, limit: maxMessageSize)
        }
        maskPhase = (maskPhase + n) & 3
        remaining -= n
        return start + n
    }

    /// The event a whole frame gives, if any (a data frame without FIN gives none).
    private func endFrame() throws(WebSocketError) -> FrameEvent? {
        switch frame.opcode {
        case .ping, .pong, .close:
            let payload = control
            control = []
            switch frame.opcode {
            case .ping: return .ping(payload)
            case .pong: return .pong(payload)
            default: return try ClosePayload.event(payload)
            }
        case .text, .binary, .continuation:
            guard frame.fin else { return nil }
            return try message.finish(decompressor: decompressor, limit: maxMessageSize)
        }
    }

    /// Drops every buffer (after a close or a failure: nothing more will be read).
    private func release() {
        message.reset()
        control = []
        partialHeaderCount = 0
        decompressor?.release()
    }
}
