import Testing

@testable import WebSocket

/// Autobahn 13.x: permessage-deflate with the various parameter combinations, the JSON data,
/// message sizes 16 to 131072 unfragmented and fragmented (`CompressionTests.sizes`). Each row
/// is the client's offer, negotiated by our server, then messages both ways.
@Suite struct DeflateParameterTests {
    /// 13.1-13.7: Autobahn's client offers (requestNoContextTakeover, requestMaxWindowBits) with
    /// its default acceptance flags (client_no_context_takeover, client_max_window_bits).
    static let offers: [(String, [String])] = [
        ("13.1 (False, 0)", ["permessage-deflate; client_no_context_takeover; client_max_window_bits"]),
        (
            "13.2 (True, 0)",
            ["permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover"]
        ),
        (
            "13.3 (False, 9)",
            ["permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=9"]
        ),
        (
            "13.4 (False, 15)",
            ["permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=15"]
        ),
        (
            "13.5 (True, 9)",
            [
                "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9"
            ]
        ),
        (
            "13.6 (True, 15)",
            [
                "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=15"
            ]
        ),
        (
            "13.7 [(True, 9), (True, 0), (False, 0)]",
            [
                "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, "
                    + "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, "
                    + "permessage-deflate; client_no_context_takeover; client_max_window_bits"
            ]
        ),
    ]

    static var cases: [(String, Int, Int)] {
        offers.map(\.0).flatMap { name in CompressionTests.sizes.map { (name, $0.0, $0.1) } }
    }

    @Test("13.1-13.7 x 13.N.1-13.N.18", arguments: cases)
    func parameters(offer name: String, size: Int, fragment: Int) throws {
        let offer = try #require(Self.offers.first { $0.0 == name }?.1)
        let (parameters, response) = try #require(PerMessageDeflate.negotiate(offers: offer))
        #expect(PerMessageDeflate.acceptResponse(response) == parameters)
        let pair = DeflatePair(parameters)
        for i in 0..<CompressionTests.count {
            let payload = DeflateData.json.message(size, offset: i * 777)
            let expected = FrameEvent.text(String(decoding: payload, as: UTF8.self))
            let (server, client) = try pair.roundTrip(.text, payload, fragment: fragment, piece: 4096)
            #expect(server == [expected])
            #expect(client == [expected])
        }
    }

    @Test(
        "every window size 8 to 15, with and without context takeover, both ways",
        arguments: Array(8...15), [false, true])
    func windows(bits: Int, noContext: Bool) throws {
        let parameters = DeflateParameters(
            serverNoContextTakeover: noContext, clientNoContextTakeover: noContext, serverMaxWindowBits: bits,
            clientMaxWindowBits: bits)
        let pair = DeflatePair(parameters)
        for i in 0..<6 {
            let payload = DeflateData.html.message(5000, offset: i * 300)
            let (server, client) = try pair.roundTrip(.text, payload, fragment: i % 2 == 0 ? 0 : 700)
            #expect(server == [.text(String(decoding: payload, as: UTF8.self))])
            #expect(client == [.text(String(decoding: payload, as: UTF8.self))])
        }
    }

    @Test("no_context_takeover frees the zlib streams after each message; context takeover keeps them")
    func streamLifetime() throws {
        let payload = DeflateData.json.message(2000)
        let reset = DeflatePair(DeflateParameters(serverNoContextTakeover: true, clientNoContextTakeover: true))
        _ = try reset.roundTrip(.text, payload)
        #expect(reset.serverCompressor.memoryInUse == 0)
        #expect(reset.clientCompressor.memoryInUse == 0)
        #expect(reset.serverDecompressor.memoryInUse == 0)
        #expect(reset.clientDecompressor.memoryInUse == 0)
        let kept = DeflatePair(DeflateParameters(serverMaxWindowBits: 12, clientMaxWindowBits: 12))
        _ = try kept.roundTrip(.text, payload)
        #expect(kept.serverCompressor.memoryInUse > 0)
        #expect(kept.serverDecompressor.memoryInUse > 0)
        // A close releases the reader's zlib stream: nothing more will be read.
        _ = try DeflatePair.feed(kept.serverReader, close(1000), piece: 100)
        #expect(kept.serverDecompressor.memoryInUse == 0)
        // Without context takeover each message compresses alone: the second costs as much as the first.
        let compressor = Compressor(parameters: DeflateParameters(serverNoContextTakeover: true), role: .server)
        #expect(compressor.compress(payload) == compressor.compress(payload))
        let shared = Compressor(parameters: DeflateParameters(), role: .server)
        let first = shared.compress(payload)
        #expect(shared.compress(payload).count < first.count / 4)
    }
}
