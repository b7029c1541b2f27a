@testable import WebSocket

/// The two ends of a permessage-deflate connection, for round trips in both directions.
struct DeflatePair {
    let parameters: DeflateParameters
    let maxMessageSize: Int
    let clientCompressor: Compressor
    let serverCompressor: Compressor
    let serverDecompressor: Decompressor
    let clientDecompressor: Decompressor
    let serverReader: FrameReader
    let clientReader: FrameReader

    init(_ parameters: DeflateParameters, maxMessageSize: Int = 1 << 24) {
        self.parameters = parameters
        self.maxMessageSize = maxMessageSize
        clientCompressor = Compressor(parameters: parameters, role: .client)
        serverCompressor = Compressor(parameters: parameters, role: .server)
        serverDecompressor = Decompressor(parameters: parameters, role: .server, maxSize: maxMessageSize)
        clientDecompressor = Decompressor(parameters: parameters, role: .client, maxSize: maxMessageSize)
        serverReader = FrameReader(role: .server, maxMessageSize: maxMessageSize, decompressor: serverDecompressor)
        clientReader = FrameReader(role: .client, maxMessageSize: maxMessageSize, decompressor: clientDecompressor)
    }

    /// A compressed message as frames: the compressed payload cut into frames of `fragment` bytes
    /// (0: one frame), RSV1 on the first; masked when a client sends it.
    static func frames(_ opcode: Opcode, compressed: [UInt8], fragment: Int, masked: Bool) -> [UInt8] {
        var out: [UInt8] = []
        let size = fragment == 0 ? max(compressed.count, 1) : fragment
        var offset = 0
        repeat {
            let end = min(offset + size, compressed.count)
            FrameWriter.appendFrame(
                offset == 0 ? opcode : .continuation, payload: Array(compressed[offset..<end]),
                fin: end == compressed.count,
                rsv1: offset == 0, mask: masked ? testMask : nil, into: &out)
            offset = end
        } while offset < compressed.count
        return out
    }

    /// Sends `payload` client → server and server → client, `fragment` bytes a frame, fed in
    /// pieces of `piece` bytes; the events each reader delivered.
    func roundTrip(_ opcode: Opcode, _ payload: [UInt8], fragment: Int = 0, piece: Int = 1 << 16) throws
        -> (server: [FrameEvent], client: [FrameEvent])
    {
        let up = Self.frames(opcode, compressed: clientCompressor.compress(payload), fragment: fragment, masked: true)
        let down = Self.frames(
            opcode, compressed: serverCompressor.compress(payload), fragment: fragment, masked: false)
        return (try Self.feed(serverReader, up, piece: piece), try Self.feed(clientReader, down, piece: piece))
    }

    static func feed(_ reader: FrameReader, _ bytes: [UInt8], piece: Int) throws -> [FrameEvent] {
        var events: [FrameEvent] = []
        for start in stride(from: 0, to: bytes.count, by: piece) {
            let consumed = try reader.feed(bytes[start..<min(start + piece, bytes.count)]) {
                events.append($0); return true
            }
            precondition(consumed == min(piece, bytes.count - start))
        }
        return events
    }
}

/// Test payloads in the spirit of Autobahn 12.x's data sets (JSON, a bitmap, prose, HTML, a
/// PDF-like mix), generated so the tests need no files. `text` ones are UTF-8.
enum DeflateData: String, CaseIterable, Sendable {
    case json, bitmap, prose, html, pdf

    var isText: Bool { self == .json || self == .prose || self == .html }

    /// 300 KB of this kind of data, made once.
    var data: [UInt8] { Self.cache[self]! }

    private static let cache: [DeflateData: [UInt8]] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0, $0.generate(300_000)) })

    private func generate(_ count: Int) -> [UInt8] {
        var random = SplitMix64(seed: UInt64(rawValue.utf8.count))
        var out: [UInt8] = []
        while out.count < count {
            switch self {
            case .json:
                let id = random.below(100_000)
                out += Array(
                    #"{"id":\#(id),"name":"user\#(id % 97)","tags":["a","b\#(id % 7)"],"score":\#(random.below(1000)).5},"#
                        .utf8)
            case .bitmap:
                out += Array(repeating: UInt8(random.below(4) * 60), count: 1 + random.below(30))
            case .prose:
                let words = [
                    "Habe", "nun,", "ach!", "Philosophie,", "Juristerei", "und", "Medizin,", "Größe", "Übermut", "—",
                ]
                out += Array((words[random.below(words.count)] + " ").utf8)
            case .html:
                out += Array(
                    "<div class=\"row r\(random.below(9))\"><a href=\"/p/\(random.below(500))\">link ‹\(random.below(50))›</a></div>\n"
                        .utf8)
            case .pdf:
                out +=
                    random.below(3) == 0
                    ? random.bytes(64) : Array("stream\nBT /F1 12 Tf (obj \(random.below(99))) Tj ET\nendstream\n".utf8)
            }
        }
        return out
    }

    /// A message of exactly `count` bytes starting at `offset` of the data, cut at a character
    /// boundary for text (as Autobahn slices its text data by characters).
    func message(_ count: Int, offset: Int = 0) -> [UInt8] {
        let data = self.data
        var start = offset % (data.count - count - 8)
        var end = start + count
        if isText {
            // Move both ends off continuation bytes, then pad to the size with spaces.
            while data[start] & 0xC0 == 0x80 { start += 1 }
            end = start + count
            while end > start, data[end] & 0xC0 == 0x80 { end -= 1 }
        }
        var slice = Array(data[start..<end])
        while slice.count < count { slice.append(UInt8(ascii: " ")) }
        return slice
    }
}
