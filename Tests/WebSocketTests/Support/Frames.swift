import Testing

@testable import WebSocket

/// How a frame's length is written: the shortest form, or forced to 16 or 64 bits (RFC 6455 does
/// not require the shortest, so readers must accept the others).
enum LengthForm {
    case minimal, sixteen, sixtyFour
}

/// The masking key the tests' client frames use (RFC 6455 §5.7's example key).
let testMask: UInt32 = 0x37FA_213D

/// A frame written byte by byte, independently of `FrameWriter`, so that any field can be set,
/// reserved ones included. `mask` nil sends it unmasked (a server frame).
func frame(
    opcode: UInt8, _ payload: [UInt8] = [], fin: Bool = true, rsv: UInt8 = 0, mask: UInt32? = testMask,
    length: LengthForm = .minimal
) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 0x0F)]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    let count = payload.count
    if length == .minimal && count <= 125 {
        out.append(maskBit | UInt8(count))
    } else if length != .sixtyFour && count <= 0xFFFF {
        out += [maskBit | 126, UInt8(count >> 8), UInt8(count & 0xFF)]
    } else {
        out.append(maskBit | 127)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(UInt64(count) >> UInt64(shift) & 0xFF)) }
    }
    guard let mask else { return out + payload }
    if payload.count > 4096 {
        // Large payloads: FrameWriter's word-at-a-time masking, checked against the loop below
        // up to 70001 bytes (FrameWriterTests), so that big tests stay fast in debug builds.
        var written: [UInt8] = []
        payload.withUnsafeBytes { FrameWriter.appendFrame(.binary, payload: $0, mask: mask, into: &written) }
        return out + [UInt8](written[(written.count - payload.count - 4)...])
    }
    let key = [UInt8(mask >> 24), UInt8(mask >> 16 & 0xFF), UInt8(mask >> 8 & 0xFF), UInt8(mask & 0xFF)]
    out += key
    for (i, byte) in payload.enumerated() { out.append(byte ^ key[i % 4]) }
    return out
}

func frame(
    _ opcode: Opcode, _ payload: [UInt8] = [], fin: Bool = true, rsv: UInt8 = 0, mask: UInt32? = testMask,
    length: LengthForm = .minimal
) -> [UInt8] {
    frame(opcode: opcode.rawValue, payload, fin: fin, rsv: rsv, mask: mask, length: length)
}

func text(_ string: String, fin: Bool = true) -> [UInt8] { frame(.text, Array(string.utf8), fin: fin) }
func close(_ code: UInt16, _ reason: String = "") -> [UInt8] {
    frame(.close, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
}

/// What a reader made of a byte stream: its events, and the error that stopped it.
struct Transcript: Equatable, CustomStringConvertible {
    var events: [FrameEvent] = []
    var error: WebSocketError?

    var description: String {
        let shown = events.map { event -> String in
            switch event {
            case .text(let s): "text(\(s.utf8.count) bytes: \(s.prefix(40)))"
            case .binary(let b): "binary(\(b.count) bytes)"
            default: "\(event)"
            }
        }
        return "events \(shown), error \(error.map(\.description) ?? "none")"
    }
}

/// How to build a fresh reader (each feed plan needs its own: readers are stateful).
struct ReaderSetup {
    var role = Role.server
    var maxMessageSize = 1 << 24
    var deflate: DeflateParameters?

    func make() -> FrameReader {
        let decompressor = deflate.map { Decompressor(parameters: $0, role: role, maxSize: maxMessageSize) }
        return FrameReader(role: role, maxMessageSize: maxMessageSize, decompressor: decompressor)
    }
}

/// Feeds `bytes` in pieces of `lengths` (the whole input when nil), as a connection would: the
/// rest of a piece is fed again after a stop, and feeding ends at a close event or an error.
func read(_ bytes: [UInt8], _ setup: ReaderSetup = ReaderSetup(), lengths: [Int]? = nil) -> Transcript {
    let reader = setup.make()
    var transcript = Transcript()
    var offset = 0
    for length in lengths ?? [bytes.count] {
        var piece = bytes[offset..<(offset + length)]
        offset += length
        repeat {
            do {
                let consumed = try reader.feed(piece) { event in
                    transcript.events.append(event)
                    return true
                }
                piece = piece.dropFirst(consumed)
            } catch {
                transcript.error = error
                return transcript
            }
            if case .close = transcript.events.last { return transcript }
        } while !piece.isEmpty
    }
    return transcript
}

/// Piece lengths: one byte at a time.
func bytewise(_ count: Int) -> [Int] { Array(repeating: 1, count: count) }

/// Piece lengths of `size` (the last one shorter).
func chops(_ count: Int, _ size: Int) -> [Int] {
    stride(from: 0, to: count, by: size).map { min(size, count - $0) }
}

/// Random piece lengths (1 to `maxPiece`, one in eight empty), the same for the same seed.
func randomCuts(_ count: Int, seed: UInt64, maxPiece: Int = 40) -> [Int] {
    var random = SplitMix64(seed: seed)
    var lengths: [Int] = []
    var left = count
    while left > 0 {
        let piece = random.below(8) == 0 ? 0 : min(left, 1 + random.below(maxPiece))
        lengths.append(piece)
        left -= piece
    }
    return lengths
}

/// Reads `bytes` whole, byte by byte (inputs up to 64 KiB) and in several random cuts; every
/// plan must give the same transcript, which is returned.
func readEveryWay(
    _ bytes: [UInt8], _ setup: ReaderSetup = ReaderSetup(), sourceLocation: SourceLocation = #_sourceLocation
)
    -> Transcript
{
    let whole = read(bytes, setup)
    var plans: [[Int]] = (1...4).map { randomCuts(bytes.count, seed: $0, maxPiece: $0 == 4 ? 4000 : 40) }
    if bytes.count <= 1 << 16 { plans.append(bytewise(bytes.count)) }
    for plan in plans {
        let cut = read(bytes, setup, lengths: plan)
        #expect(cut == whole, "cut into \(plan.count) pieces", sourceLocation: sourceLocation)
    }
    return whole
}

/// SplitMix64, for reproducible random cuts and payloads.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}

/// The error's close code (the reason texts are for people).
func code(_ transcript: Transcript) -> UInt16? { transcript.error?.closeCode }

extension FrameReader {
    /// `feed` for array bytes (typed throws kept, which `withUnsafeBytes` would lose).
    func feed(_ bytes: some Collection<UInt8>, onEvent: (FrameEvent) -> Bool = { _ in true }) throws(WebSocketError)
        -> Int
    {
        let contiguous = Array(bytes)
        var result: Result<Int, WebSocketError> = .success(0)
        contiguous.withUnsafeBytes { buffer in
            result = Result { () throws(WebSocketError) in try feed(buffer, onEvent: onEvent) }
        }
        return try result.get()
    }
}
