import Testing

@testable import WebSocket

/// permessage-deflate negotiation (RFC 7692 §5, §7.1), server and client sides.
@Suite struct NegotiationTests {
    static func negotiate(_ offers: String...) -> (parameters: DeflateParameters, response: String)? {
        PerMessageDeflate.negotiate(offers: offers)
    }

    @Test("a browser's offer: 12-bit windows both ways")
    func browserOffer() throws {
        let (parameters, response) = try #require(Self.negotiate("permessage-deflate; client_max_window_bits"))
        #expect(response == "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12")
        #expect(parameters == DeflateParameters(serverMaxWindowBits: 12, clientMaxWindowBits: 12))
    }

    @Test("an offer without client_max_window_bits gets client_no_context_takeover (bounded inflate memory)")
    func plainOffer() throws {
        let (parameters, response) = try #require(Self.negotiate("permessage-deflate"))
        #expect(response == "permessage-deflate; client_no_context_takeover; server_max_window_bits=12")
        #expect(
            parameters
                == DeflateParameters(clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 15))
    }

    @Test(
        "requested parameters are answered",
        arguments: [
            (
                "permessage-deflate; server_no_context_takeover; client_max_window_bits",
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits=12",
                DeflateParameters(serverNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 12)
            ),
            (
                "permessage-deflate; client_no_context_takeover; client_max_window_bits=10",
                "permessage-deflate; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=10",
                DeflateParameters(clientNoContextTakeover: true, serverMaxWindowBits: 12, clientMaxWindowBits: 10)
            ),
            (
                "permessage-deflate; server_max_window_bits=10; client_max_window_bits=15",
                "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12",
                DeflateParameters(serverMaxWindowBits: 10, clientMaxWindowBits: 12)
            ),
            (
                "permessage-deflate; server_max_window_bits=15; client_max_window_bits",
                "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
                DeflateParameters(serverMaxWindowBits: 12, clientMaxWindowBits: 12)
            ),
            (
                "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8",
                "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8",
                DeflateParameters(serverMaxWindowBits: 8, clientMaxWindowBits: 8)
            ),
            (
                "permessage-deflate;server_max_window_bits=\"9\";client_max_window_bits",
                "permessage-deflate; server_max_window_bits=9; client_max_window_bits=12",
                DeflateParameters(serverMaxWindowBits: 9, clientMaxWindowBits: 12)
            ),
            (
                "PerMessage-Deflate; Client_Max_Window_Bits",
                "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
                DeflateParameters(serverMaxWindowBits: 12, clientMaxWindowBits: 12)
            ),
        ])
    func answered(offer: String, response: String, parameters: DeflateParameters) throws {
        let result = try #require(Self.negotiate(offer))
        #expect(result.response == response)
        #expect(result.parameters == parameters)
        #expect(PerMessageDeflate.acceptResponse(result.response) == result.parameters)
    }

    @Test(
        "offers declined: unknown, repeated or valued flags, bad window values",
        arguments: [
            "permessage-deflate; x_unknown",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover=\"\"", "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=7", "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010", "permessage-deflate; server_max_window_bits=+9",
            "permessage-deflate; client_max_window_bits=0x9", "permessage-deflate; client_max_window_bits=\"1 0\"",
            "permessage-deflate; client_max_window_bits=\"10", "permessage-deflate; =10", "permessage-deflate;;",
            "x-webkit-deflate-frame", "permessage-deflate server_no_context_takeover", "",
        ])
    func declined(offer: String) { #expect(Self.negotiate(offer) == nil) }

    @Test("the first acceptable offer wins, across elements and header values")
    func firstAcceptable() throws {
        let result = try #require(
            PerMessageDeflate.negotiate(offers: [
                "x-webkit-deflate-frame, permessage-deflate; bogus", "permessage-deflate; server_max_window_bits=10",
                "permessage-deflate; client_max_window_bits",
            ]))
        #expect(result.parameters.serverMaxWindowBits == 10)
        #expect(result.response == "permessage-deflate; client_no_context_takeover; server_max_window_bits=10")
    }

    @Test("a quoted value may hold a comma or semicolon without cutting the list (it is then declined)")
    func quotedSeparators() throws {
        let result = try #require(
            Self.negotiate(
                "permessage-deflate; server_max_window_bits=\"1,0\", permessage-deflate; client_max_window_bits"))
        #expect(result.parameters.clientMaxWindowBits == 12)
    }

    @Test("server configuration: window caps and server_no_context_takeover")
    func configuration() throws {
        let result = try #require(
            PerMessageDeflate.negotiate(
                offers: ["permessage-deflate; client_max_window_bits"], serverMaxWindowBits: 15, clientMaxWindowBits: 9,
                serverNoContextTakeover: true))
        #expect(result.response == "permessage-deflate; server_no_context_takeover; client_max_window_bits=9")
        #expect(
            result.parameters
                == DeflateParameters(serverNoContextTakeover: true, serverMaxWindowBits: 15, clientMaxWindowBits: 9))
    }

    @Test("client offer strings")
    func clientOffer() {
        #expect(PerMessageDeflate.clientOffer() == "permessage-deflate; client_max_window_bits")
        #expect(
            PerMessageDeflate.clientOffer(clientNoContextTakeover: true, serverNoContextTakeover: true)
                == "permessage-deflate; client_max_window_bits; server_no_context_takeover; client_no_context_takeover")
        let offer = PerMessageDeflate.clientOffer(serverNoContextTakeover: true)
        let result = Self.negotiate(offer)
        #expect(result?.parameters.serverNoContextTakeover == true)
    }

    @Test("responses a client accepts and refuses")
    func responses() {
        #expect(PerMessageDeflate.acceptResponse("permessage-deflate") == DeflateParameters())
        #expect(
            PerMessageDeflate.acceptResponse("permessage-deflate; server_no_context_takeover; client_max_window_bits=9")
                == DeflateParameters(serverNoContextTakeover: true, clientMaxWindowBits: 9))
        for bad in [
            "permessage-deflate; client_max_window_bits", "permessage-deflate, permessage-deflate", "x-other",
            "permessage-deflate; server_max_window_bits=20", "permessage-deflate; foo", "",
        ] {
            #expect(PerMessageDeflate.acceptResponse(bad) == nil, "\(bad)")
        }
    }

    @Test("the extension list parser: names, parameters, quoted values, empty elements")
    func extensionList() {
        let parsed = ExtensionList.parse(["a; b=1; c=\"x\\y\" , , d", "e;f"])
        #expect(parsed.count == 3)
        #expect(
            parsed[0]
                == ExtensionList.Element(
                    name: "a", parameters: [.init(name: "b", value: "1"), .init(name: "c", value: "xy")]))
        #expect(parsed[1] == ExtensionList.Element(name: "d", parameters: []))
        #expect(parsed[2] == ExtensionList.Element(name: "e", parameters: [.init(name: "f", value: nil)]))
        #expect(ExtensionList.parse(["a; b=\"x y\""]) == [nil])
        #expect(ExtensionList.parse(["a b"]) == [nil])
    }
}
