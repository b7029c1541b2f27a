import ASGI
import ASGIServer
import Testing
import WebSocket

/// The WebSocket path of the server on real sockets: handshake, echo, refusals, close codes,
/// protocol errors, pings, shutdown. Frames are written and read with the `WebSocket` module's
/// own encoder and reader in client role.
@Suite struct WebSocketServerTests {
    @Test func handshakeAndEchoOfTextAndBytes() async throws {
        try await withServer(app: WSApps.echo()) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                let response = try ws.handshake("/ws")
                #expect(response.status == 101)
                #expect(response.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
                #expect(response.header("upgrade")?.lowercased() == "websocket")
                #expect(response.header("sec-websocket-protocol") == nil)
                try ws.send(text: "héllo")
                #expect(try ws.next() == .text("héllo"))
                try ws.send(.binary, [0, 1, 2, 255])
                #expect(try ws.next() == .binary([0, 1, 2, 255]))
                for size in [0, 125, 126, 65_535, 65_536, 1 << 20] {
                    let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
                    try ws.send(.binary, payload)
                    #expect(try ws.next() == .binary(payload), "size \(size)")
                }
            }
        }
    }

    @Test func framesSentRightAfterTheUpgradeAreDeliveredAfterTheAccept() async throws {
        try await withServer(app: WSApps.echo()) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                let early = WSClient.frame(.text, Array("early".utf8))
                #expect(try ws.handshake("/ws", after: early).status == 101)
                #expect(try ws.next() == .text("early"))
            }
        }
    }

    @Test func subprotocolIsTheOneTheApplicationPicked() async throws {
        try await withServer(app: WSApps.echo(pickProtocol: true)) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                let response = try ws.handshake("/ws", extra: "Sec-WebSocket-Protocol: chat.v2, chat.v1\r\n")
                #expect(response.status == 101)
                #expect(response.header("sec-websocket-protocol") == "chat.v2")
            }
        }
    }

    @Test func scopeIsAWebSocketScope() async throws {
        let seen = WSApps.Recorder()
        let app: Application = { scope, receive, send in
            guard scope.type == .websocket else { return }
            seen.add(
                "\(scope.specVersion) \(scope.scheme) \(scope.path) \(String(decoding: scope.queryString, as: UTF8.self)) \(scope.subprotocols) \(scope.extensions.contains("websocket.http.response"))"
            )
            _ = try await receive()
            try await send(.websocketClose())
        }
        try await withServer(app: app) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/a%20b?x=1", extra: "Sec-WebSocket-Protocol: p1\r\n")
            }
            #expect(seen.all == [#"2.5 ws /a b x=1 ["p1"] true"#])
        }
    }

    @Test(arguments: [
        ("missing key", "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400),
        (
            "short key",
            "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc=\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400
        ),
        (
            "no Connection: upgrade",
            "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400
        ),
        (
            "POST",
            "POST /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
            400
        ),
        (
            "HTTP/1.0",
            "GET /ws HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400
        ),
        (
            "version 8",
            "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
            426
        ),
        (
            "no version",
            "GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 400
        ),
    ])
    func invalidUpgradeIsRefused(_ name: String, _ request: String, _ status: Int) async throws {
        let recorder = WSApps.Recorder()
        try await withServer(app: WSApps.echo(record: recorder)) { server in
            let response = try await roundTrip(port: server.port, request)
            #expect(response.status == status, "\(name)")
            if status == 426 { #expect(response.header("sec-websocket-version") == "13") }
            #expect(response.header("connection") == "close")
        }
        #expect(recorder.all.isEmpty, "the application must not run for \(name)")
    }

    @Test func wsNoneServesUpgradeRequestsAsPlainHTTP() async throws {
        try await withServer({ $0.ws = .none }, app: WSApps.echo()) { server in
            let response = try await roundTrip(port: server.port, WSClient.upgradeRequest("/ws"))
            #expect(response.status == 200)
            #expect(response.text == "Hello, ASGI!")
        }
    }

    @Test func closeBeforeAcceptIs403() async throws {
        let app: Application = { _, receive, send in
            _ = try await receive()
            try await send(.websocketClose(code: 1000))
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await blocking { try WSClient(port: port).handshake("/ws") }
            #expect(response.status == 403)
        }
    }

    @Test(arguments: [false, true])
    func applicationEndingBeforeAcceptIs500(throwing: Bool) async throws {
        struct Boom: Error {}
        let app: Application = { _, receive, _ in
            _ = try await receive()
            if throwing { throw Boom() }
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await blocking { try WSClient(port: port).handshake("/ws") }
            #expect(response.status == 500)
        }
    }

    @Test(arguments: [false, true])
    func denialResponseIsSentAsGiven(streamed: Bool) async throws {
        let app: Application = { _, receive, send in
            _ = try await receive()
            try await send(.websocketHTTPResponseStart(status: 503, headers: [("content-type", "text/plain"), ("x-why", "redis")]))
            if streamed {
                try await send(.websocketHTTPResponseBody(Array("Redis is ".utf8), moreBody: true))
                try await send(.websocketHTTPResponseBody(Array("unavailable".utf8)))
            } else {
                try await send(.websocketHTTPResponseBody(Array("Redis is unavailable".utf8)))
            }
        }
        try await withServer(app: app) { server in
            let port = server.port
            let response = try await blocking { try WSClient(port: port).handshake("/ws") }
            #expect(response.status == 503)
            #expect(response.header("x-why") == "redis")
            let body = String(decoding: response.body, as: UTF8.self)
            if streamed {
                #expect(response.header("transfer-encoding") == "chunked")
                #expect(body.contains("Redis is ") && body.contains("unavailable"))
            } else {
                #expect(body == "Redis is unavailable")
            }
        }
    }

    @Test func disconnectCodes() async throws {
        let recorder = WSApps.Recorder()
        try await withServer(app: WSApps.echo(record: recorder)) { server in
            let port = server.port
            // A close with a code and reason: echoed, and the application sees both.
            let echoed = try await blocking { () -> (code: UInt16?, reason: String)? in
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                try ws.sendClose(code: 4001, reason: "bye")
                return try ws.readClose()
            }
            #expect(echoed?.code == 4001)
            #expect(await recorder.wait { $0 == "disconnect 4001 bye" })
            // An empty close: 1005.
            try await blocking {
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                try ws.sendClose(code: nil)
                _ = try ws.readClose()
            }
            #expect(await recorder.wait { $0 == "disconnect 1005 " })
            // A dropped connection: 1006.
            try await blocking {
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                try ws.send(text: "x")
                _ = try ws.next()
            }
            #expect(await recorder.wait { $0 == "disconnect 1006 " })
        }
    }

    @Test(
        arguments: [
            ("unmasked frame", WSClient.frame(.text, Array("hi".utf8), masked: false), CloseCode.protocolError),
            ("invalid UTF-8", WSClient.frame(.text, [0xC3, 0x28]), CloseCode.invalidPayload),
            ("reserved opcode", WSClient.frame(.text, []).enumerated().map { $0.offset == 0 ? 0x83 : $0.element }, CloseCode.protocolError),
            ("RSV1 without deflate", WSClient.frame(.text, Array("x".utf8), rsv1: true), CloseCode.protocolError),
        ] as [(String, [UInt8], UInt16)])
    func protocolErrorsCloseWithTheirCode(_ name: String, _ frame: [UInt8], _ code: UInt16) async throws {
        let recorder = WSApps.Recorder()
        try await withServer(app: WSApps.echo(record: recorder)) { server in
            let port = server.port
            let close = try await blocking { () -> (code: UInt16?, reason: String)? in
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                try ws.socket.send(frame)
                return try ws.readClose()
            }
            #expect(close?.code == code, "\(name)")
            #expect(await recorder.wait { $0.hasPrefix("disconnect \(code)") }, "\(name): \(recorder.all)")
        }
    }

    @Test func oversizedMessageIs1009() async throws {
        try await withServer({ $0.wsMaxSize = 1000 }, app: WSApps.echo()) { server in
            let port = server.port
            let close = try await blocking { () -> (code: UInt16?, reason: String)? in
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                try ws.send(.binary, [UInt8](repeating: 7, count: 1000))
                #expect(try ws.next() == .binary([UInt8](repeating: 7, count: 1000)))
                try ws.send(.binary, [UInt8](repeating: 7, count: 1001))
                return try ws.readClose()
            }
            #expect(close?.code == CloseCode.messageTooBig)
        }
    }

    @Test func pingIsAnsweredWithPong() async throws {
        try await withServer(app: WSApps.echo()) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                try ws.send(.ping, Array("abc".utf8))
                #expect(try ws.next() == .pong(Array("abc".utf8)))
            }
        }
    }

    @Test func clientThatDoesNotAnswerPingsIsClosedWith1011() async throws {
        let recorder = WSApps.Recorder()
        try await withServer(
            {
                $0.wsPingInterval = 0.1; $0.wsPingTimeout = 0.2
            }, app: WSApps.echo(record: recorder)
        ) { server in
            let port = server.port
            let (pings, close) = try await blocking { () -> (Int, UInt16?) in
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                var pings = 0
                while let event = try ws.next() {
                    switch event {
                    case .ping: pings += 1
                    case .close(let code, _): return (pings, code)
                    default: break
                    }
                }
                return (pings, nil)
            }
            #expect(pings == 1)
            #expect(close == CloseCode.internalError)
            #expect(await recorder.wait { $0.hasPrefix("disconnect 1011") })
        }
    }

    @Test func answeredPingsKeepTheConnectionOpen() async throws {
        try await withServer(
            {
                $0.wsPingInterval = 0.05; $0.wsPingTimeout = 0.5
            }, app: WSApps.echo()
        ) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                var pings = 0
                while pings < 5, let event = try ws.next() {
                    if case .ping(let payload) = event {
                        pings += 1
                        try ws.send(.pong, payload)
                    }
                }
                #expect(pings == 5)
                try ws.send(text: "still here")
                while let event = try ws.next() {
                    if case .ping(let payload) = event { try ws.send(.pong, payload); continue }
                    #expect(event == .text("still here"))
                    break
                }
            }
        }
    }

    @Test func sendAfterTheClientLeftThrowsDisconnected() async throws {
        let recorder = WSApps.Recorder()
        let app: Application = { _, receive, send in
            _ = try await receive()
            try await send(.websocketAccept())
            while case .websocketReceive = try await receive() {}
            do {
                try await send(.websocketSend(.text("too late")))
                recorder.add("sent")
            } catch let error as ASGIError {
                recorder.add(error.isDisconnected ? "disconnected" : "other \(error)")
            }
        }
        try await withServer(app: app) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                try ws.sendClose(code: 1000)
                _ = try ws.readClose()
            }
            #expect(await recorder.wait { $0 == "disconnected" }, "\(recorder.all)")
        }
    }

    @Test func applicationCloseRunsTheClosingHandshake() async throws {
        let recorder = WSApps.Recorder()
        let app: Application = { _, receive, send in
            _ = try await receive()
            try await send(.websocketAccept())
            try await send(.websocketClose(code: 4000, reason: String(repeating: "é", count: 100)))
            let event = try await receive()
            recorder.add("\(event)")
        }
        try await withServer(app: app) { server in
            let port = server.port
            let close = try await blocking { () -> (code: UInt16?, reason: String)? in
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                let close = try ws.readClose()
                try ws.sendClose(code: close?.code)
                #expect(ws.socket.isClosedByPeer())
                return close
            }
            #expect(close?.code == 4000)
            // The reason is cut to 123 bytes at a character boundary.
            #expect(close?.reason == String(repeating: "é", count: 61))
            #expect(await recorder.wait { $0.contains("4000") }, "\(recorder.all)")
        }
    }

    @Test func shutdownSends1012AndWaitsForTheClose() async throws {
        var config = ServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.accessLog = false
        config.logger.logLevel = .critical
        let recorder = WSApps.Recorder()
        let server = try await Server.start(config: config, app: WSApps.echo(record: recorder))
        let port = server.port
        let ws = try WSClient(port: port)
        _ = try await blocking { try ws.handshake("/ws") }
        async let stopped = server.shutdown()
        let close = try await blocking { () -> (code: UInt16?, reason: String)? in
            let close = try ws.readClose()
            try ws.sendClose(code: close?.code)
            return close
        }
        #expect(close?.code == CloseCode.serviceRestart)
        #expect(await stopped == 0)
        #expect(recorder.all == ["disconnect 1012 "])
    }

    @Test func manyMessagesInOneWriteAreAllDeliveredInOrderWithASmallQueue() async throws {
        try await withServer({ $0.wsMaxQueue = 2 }, app: WSApps.echo()) { server in
            let port = server.port
            try await blocking {
                let ws = try WSClient(port: port)
                _ = try ws.handshake("/ws")
                var batch: [UInt8] = []
                for i in 0..<500 { batch += WSClient.frame(.text, Array("m\(i)".utf8)) }
                try ws.socket.send(batch)
                for i in 0..<500 {
                    #expect(try ws.next() == .text("m\(i)"))
                }
            }
        }
    }

    @Test func permessageDeflateIsNegotiatedAndRoundTrips() async throws {
        try await withServer(app: WSApps.echo()) { server in
            let port = server.port
            try await blocking {
                let offer = PerMessageDeflate.clientOffer()
                let probe = try WSClient(port: port)
                let response = try probe.handshake("/ws", extra: "Sec-WebSocket-Extensions: \(offer)\r\n")
                #expect(response.status == 101)
                let answer = try #require(response.header("sec-websocket-extensions"))
                let parameters = try #require(PerMessageDeflate.acceptResponse(answer))
                // A client with the agreed parameters: compress out, decompress in.
                let ws = try WSClient(port: port, decompressor: Decompressor(parameters: parameters, role: .client, maxSize: 1 << 24))
                #expect(try ws.handshake("/ws", extra: "Sec-WebSocket-Extensions: \(offer)\r\n").status == 101)
                let compressor = Compressor(parameters: parameters, role: .client)
                let text = String(repeating: "compress me ", count: 1000)
                var frame: [UInt8] = []
                Array(text.utf8).withUnsafeBytes {
                    FrameWriter.appendMessage(.text, payload: $0, compressor: compressor, mask: 0x0102_0304, into: &frame)
                }
                #expect(frame.count < text.utf8.count / 4)
                try ws.socket.send(frame)
                #expect(try ws.next() == .text(text))
            }
        }
    }
}
