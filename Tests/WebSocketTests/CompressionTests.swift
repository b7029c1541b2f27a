import Testing

@testable import WebSocket

/// Autobahn 12.x: permessage-deflate with the default offer, for five kinds of data, message
/// sizes 16 to 131072, unfragmented and auto-fragmented (256 to 32768 bytes a frame). Autobahn
/// sends 1000 messages per case; here `count` each, both directions, context carried over.
@Suite struct CompressionTests {
    static let count = 4

    /// Autobahn's (message size, frame size) rows: 12.N.1 to 12.N.18.
    static let sizes: [(Int, Int)] = [
        (16, 0), (64, 0), (256, 0), (1024, 0), (4096, 0), (8192, 0), (16384, 0), (32768, 0), (65536, 0), (131072, 0),
        (8192, 256), (16384, 256), (32768, 256), (65536, 256), (131072, 256), (131072, 1024), (131072, 4096),
        (131072, 32768),
    ]

    static var cases: [(DeflateData, Int, Int)] {
        DeflateData.allCases.flatMap { data in sizes.map { (data, $0.0, $0.1) } }
    }

    @Test("12.1-12.5 (json, bitmap, prose, html, pdf) x 12.N.1-12.N.18 (sizes, fragments)", arguments: cases)
    func defaultOffer(data: DeflateData, size: Int, fragment: Int) throws {
        let (parameters, _) = try #require(
            PerMessageDeflate.negotiate(offers: ["permessage-deflate; client_max_window_bits"]))
        let pair = DeflatePair(parameters)
        for i in 0..<Self.count {
            let payload = data.message(size, offset: i * 1000)
            let expected: FrameEvent = data.isText ? .text(String(decoding: payload, as: UTF8.self)) : .binary(payload)
            let (server, client) = try pair.roundTrip(
                data.isText ? .text : .binary, payload, fragment: fragment, piece: 4096)
            #expect(server == [expected])
            #expect(client == [expected])
        }
        #expect(pair.serverReader.bufferedBytes == 0)
    }

    @Test("a compressed message read byte by byte and in random cuts gives the same event")
    func everyCut() throws {
        let parameters = DeflateParameters(clientNoContextTakeover: true)
        let compressor = Compressor(parameters: parameters, role: .client)
        let payload = DeflateData.prose.message(3000)
        let first = DeflatePair.frames(.text, compressed: compressor.compress(payload), fragment: 100, masked: true)
        let second = DeflatePair.frames(.binary, compressed: compressor.compress([]), fragment: 0, masked: true)
        let setup = ReaderSetup(deflate: parameters)
        let transcript = readEveryWay(first + frame(.ping, [7]) + second, setup)
        #expect(
            transcript
                == Transcript(events: [.text(String(decoding: payload, as: UTF8.self)), .ping([7]), .binary([])]))
    }

    @Test("compressed and uncompressed messages mix on one connection; control frames between fragments")
    func mixed() throws {
        let parameters = DeflateParameters()
        let compressor = Compressor(parameters: parameters, role: .client)
        let compressed = compressor.compress(Array("Hello, Hello, Hello".utf8))
        var bytes = DeflatePair.frames(.text, compressed: compressed, fragment: 3, masked: true)
        bytes.insert(contentsOf: frame(.ping, [1]), at: 9)  // after the first fragment (3 + 6 bytes)
        bytes +=
            text("plain")
            + DeflatePair.frames(.text, compressed: compressor.compress(Array("Hello".utf8)), fragment: 0, masked: true)
        #expect(
            readEveryWay(bytes, ReaderSetup(deflate: parameters))
                == Transcript(events: [.ping([1]), .text("Hello, Hello, Hello"), .text("plain"), .text("Hello")]))
    }

    @Test("RFC 7692 §7.2.3 examples: one frame, two fragments, a stored block, a BFINAL block, shared context")
    func rfcExamples() {
        let setup = ReaderSetup(role: .client, deflate: DeflateParameters())
        let hello = frame(opcode: 0x1, [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00], rsv: 4, mask: nil)
        #expect(readEveryWay(hello, setup) == Transcript(events: [.text("Hello")]))
        let fragments =
            frame(opcode: 0x1, [0xF2, 0x48, 0xCD], fin: false, rsv: 4, mask: nil)
            + frame(opcode: 0x0, [0xC9, 0xC9, 0x07, 0x00], mask: nil)
        #expect(readEveryWay(fragments, setup) == Transcript(events: [.text("Hello")]))
        // No compression: a stored block.
        let stored = frame(
            opcode: 0x1, [0x00, 0x05, 0x00, 0xFA, 0xFF, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x00], rsv: 4, mask: nil)
        #expect(readEveryWay(stored, setup) == Transcript(events: [.text("Hello")]))
        // A final block (BFINAL set), then the next message starts a new stream.
        let final = frame(opcode: 0x1, [0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00], rsv: 4, mask: nil)
        #expect(readEveryWay(final + final, setup) == Transcript(events: [.text("Hello"), .text("Hello")]))
        // The second "Hello" refers back to the first (context takeover).
        let second = frame(opcode: 0x1, [0xF2, 0x00, 0x11, 0x00, 0x00], rsv: 4, mask: nil)
        #expect(readEveryWay(hello + second, setup) == Transcript(events: [.text("Hello"), .text("Hello")]))
    }

    @Test("compressed text is checked as UTF-8 after inflating (1007), and bad deflate data is 1007")
    func invalidCompressed() {
        let parameters = DeflateParameters()
        let setup = ReaderSetup(deflate: parameters)
        let compressor = Compressor(parameters: parameters, role: .client)
        let badText = DeflatePair.frames(
            .text, compressed: compressor.compress([0x41, 0xED, 0xA0, 0x80]), fragment: 0, masked: true)
        #expect(code(readEveryWay(badText, setup)) == 1007)
        let garbage = frame(opcode: 0x2, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF], rsv: 4)
        #expect(code(readEveryWay(garbage, setup)) == 1007)
    }

    @Test("the compressor ends each message with the sync flush marker removed")
    func trailerRemoved() {
        let compressor = Compressor(parameters: DeflateParameters(), role: .server)
        for payload in [[], Array("a".utf8), DeflateData.json.message(20000)] {
            let out = compressor.compress(payload)
            #expect(!out.isEmpty)
            #expect(out.suffix(4) != [0x00, 0x00, 0xFF, 0xFF])
        }
    }

    @Test("incompressible data past the compressor's first 64 KiB of output room, fed in odd pieces")
    func incompressible() throws {
        var random = SplitMix64(seed: 12)
        let payload = random.bytes(300_000)
        let pair = DeflatePair(DeflateParameters())
        #expect(Compressor(parameters: DeflateParameters(), role: .client).compress(payload).count > 200_000)
        let (server, client) = try pair.roundTrip(.binary, payload, fragment: 70_000, piece: 9_999)
        #expect(server == [.binary(payload)])
        #expect(client == [.binary(payload)])
    }
}
