import Foundation
import Glibc
import Testing

extension DemoProcessSuites {
    /// The demo's WebSockets (`/ws` echo, `/ws/chat/:room` over Redis) end to end, through Python's
    /// `websockets` library and raw sockets: scripts/e2e/ws_client.py, run with the Python of
    /// `SWIFTASGI_TEST_PYTHON` (scripts/test.sh makes `.build-venv/` for it). Serialized: the
    /// 1,000-connection and timing cases should not share this machine's two cores with each other.
    @Suite(
        "asgi-demo WebSockets", .serialized,
        .enabled(if: WebSocketClient.python != nil, Comment(rawValue: WebSocketClient.unavailable)))
    struct WebSocketTests {
        // MARK: /ws echo

        @Test(
            "/ws echoes 0 B to 1 MiB, text and bytes, with and without permessage-deflate",
            arguments: ["deflate", "none"])
        func echoSizes(mode: String) throws {
            try withDemo(["--no-access-log"]) { server throws in
                let result = try server.ws("echo", [mode])
                let extensions = result["extensions"] as? String
                if mode == "deflate" {
                    #expect(extensions?.hasPrefix("permessage-deflate") == true, "not negotiated: \(result)")
                } else {
                    #expect(extensions == nil, "an extension without an offer: \(result)")
                }
                #expect(result["error"] is NSNull, "the echo broke off: \(result["error"] ?? "")")
                #expect(result["expected"] as? Int == 12)
                #expect(result["same"] as? Int == 12, "\(result)")
                for entry in result["results"] as? [[String: Any]] ?? [] {
                    let kind = entry["kind"] as? String
                    #expect(
                        entry["reply_type"] as? String == (kind == "text" ? "str" : "bytes"),
                        "a \(kind ?? "?") message came back as another type: \(entry)")
                }
                #expect(result["close_code"] as? Int == 1000, "\(result)")
            }
        }

        @Test("/ws speaks the `echo` subprotocol when offered, and none otherwise")
        func subprotocol() throws {
            try withDemo(["--no-access-log"]) { server throws in
                let offered = try server.ws("subprotocol", ["foo,echo"])
                #expect(offered["subprotocol"] as? String == "echo", "\(offered)")
                #expect(offered["echo"] as? String == "still echoing")
                let notOffered = try server.ws("subprotocol", ["foo"])
                #expect(notOffered["subprotocol"] is NSNull, "\(notOffered)")
                #expect(notOffered["header"] is NSNull, "a Sec-WebSocket-Protocol nobody offered: \(notOffered)")
                #expect(notOffered["echo"] as? String == "still echoing")
            }
        }

        @Test("client pings (0, 5 and 125 bytes) each get their pong")
        func clientPing() throws {
            try withDemo(["--no-access-log"]) { server throws in
                let result = try server.ws("ping")
                #expect(result["pings"] as? Int == 3)
                #expect(result["pongs"] as? Int == 3, "\(result)")
                #expect(result["echo"] as? String == "after pings")
            }
        }

        // MARK: server pings, limits, protocol errors

        @Test("a client that never answers the server's pings is closed with 1011; one that answers stays")
        func pingTimeout() throws {
            // (The timeout is scaled for sanitized builds, so that the answering client's pongs are
            // in time there too; the silent one is closed after interval + timeout either way.)
            let pingTimeout = 0.3 * Double(WebSocketClient.timeScale)
            try withDemo(["--no-access-log", "--ws-ping-interval", "0.2", "--ws-ping-timeout", "\(pingTimeout)"]) { server throws in
                let silent = try server.ws("no-pong", timeout: .seconds(30))
                #expect(silent["close_code"] as? Int == 1011, "\(silent)")
                #expect((silent["pings"] as? Int ?? 0) >= 1, "closed without a ping first: \(silent)")
                let closedAfter = silent["closed_after"] as? Double ?? .infinity
                #expect(closedAfter < 5.0 * Double(WebSocketClient.timeScale), "ping interval + timeout is 0.5 s: \(silent)")
                #expect(silent["tcp_closed"] as? Bool == true, "\(silent)")
                // The control: `websockets` answers the pings, so the same server keeps it open.
                let answering = try server.ws("pongs", ["1.5"], timeout: .seconds(30))
                #expect(answering["open"] as? Bool == true, "closed although it answered the pings: \(answering)")
                #expect(answering["echo"] as? String == "still here")
            }
        }

        @Test("--ws-max-size 1000: 1000 bytes echo, 1001 close with 1009, deflated or not")
        func messageTooBig() throws {
            try withDemo(["--no-access-log", "--ws-max-size", "1000"]) { server throws in
                let result = try server.ws("oversize", ["1000"])
                for mode in ["none", "deflate"] {
                    let entry = result[mode] as? [String: Any] ?? [:]
                    #expect(entry["at_limit_echoed"] as? Bool == true, "\(mode): \(entry)")
                    #expect(entry["close_code"] as? Int == 1009, "\(mode): \(entry)")
                }
                let deflate = result["deflate"] as? [String: Any] ?? [:]
                #expect(
                    (deflate["extensions"] as? String)?.hasPrefix("permessage-deflate") == true,
                    "the compressed case did not negotiate deflate: \(deflate)")
            }
        }

        @Test("invalid UTF-8 in a text frame closes with 1007")
        func invalidUTF8() throws {
            try withDemo(["--no-access-log"]) { server throws in
                let result = try server.ws("raw", ["bad-utf8"])
                #expect(result["control_echo"] as? Bool == true, "the valid frame before it was not echoed: \(result)")
                #expect(result["close_code"] as? Int == 1007, "\(result)")
                #expect(result["tcp_closed"] as? Bool == true, "\(result)")
            }
        }

        @Test("an unmasked client frame closes with 1002")
        func unmaskedFrame() throws {
            try withDemo(["--no-access-log"]) { server throws in
                let result = try server.ws("raw", ["unmasked"])
                #expect(result["control_echo"] as? Bool == true, "the valid frame before it was not echoed: \(result)")
                #expect(result["close_code"] as? Int == 1002, "\(result)")
                #expect(result["tcp_closed"] as? Bool == true, "\(result)")
            }
        }

        // MARK: many, shutdown

        @Test("1,000 concurrent WebSockets on one process: all open, each echoes, all close cleanly; / still served")
        func thousandConcurrent() throws {
            try withDemo(["--no-access-log"]) { server throws in
                let started = ContinuousClock.now
                let result = try server.ws("many", ["1000"], timeout: .seconds(60))
                let took = ContinuousClock.now - started
                #expect(result["opened"] as? Int == 1000, "\(result)")
                #expect(result["all_open_at_once"] as? Bool == true, "\(result)")
                #expect(result["echoed"] as? Int == 1000, "\(result)")
                #expect(result["close_codes"] as? [String: Int] == ["1000": 1000], "\(result)")
                #expect(result["get_status"] as? Int == 200, "\(result)")
                #expect(result["get_body"] as? String == "Hello, ASGI!")
                #expect(took < WebSocketClient.scaled(.seconds(60)), "took \(took)")
                #expect(server.child.isRunning)
            }
        }

        @Test("SIGTERM with 20 open WebSockets: each gets 1012, exit 0 within --timeout-graceful-shutdown")
        func sigtermClosesWith1012() throws {
            let grace = 5 * WebSocketClient.timeScale
            let server = try DemoServer(["--no-access-log", "--timeout-graceful-shutdown", "\(grace)"])
            defer { server.child.killIfRunning() }
            let port = try #require(server.port)
            let client = try WebSocketClient.start("hold", ["127.0.0.1", "\(port)", "20"])
            defer { client.killIfRunning() }
            try #require(
                WebSocketClient.wait(for: "OPEN 20", in: client),
                "the 20 WebSockets did not open: \(client.stdout.text) \(client.stderr.text)")
            let signalled = ContinuousClock.now
            server.child.send(signal: SIGTERM)
            let status = server.child.waitForExit(timeout: .seconds(Double(grace) + 10))
            let waited = ContinuousClock.now - signalled
            #expect(status == 0, "log:\n\(server.log)")
            #expect(waited < .seconds(grace), "exit took \(waited), --timeout-graceful-shutdown \(grace)")
            let result = try WebSocketClient.result(of: client, timeout: .seconds(40))
            #expect(result["opened"] as? Int == 20)
            #expect(result["close_codes"] as? [String: Int] == ["1012": 20], "\(result)")
        }

        // MARK: chat over Redis, two processes

        @Test(
            "chat: a message sent on one process reaches every client of the room on both; other rooms get nothing",
            .enabled(if: OwnRedisServer.installed, "redis-server not installed"))
        func chatAcrossProcesses() throws {
            let redis = try OwnRedisServer()
            try withDemo(["--no-access-log"], redisURL: redis.url) { a throws in
                try withDemo(["--no-access-log"], redisURL: redis.url) { b throws in
                    let result = try WebSocketClient.run("chat", ["127.0.0.1", "\(try #require(a.port))", "\(try #require(b.port))"])
                    let members = ["a1": true, "a2": true, "b1": true, "b2": true]
                    #expect(result["from_a"] as? [String: Bool] == members, "sent on A: \(result)")
                    #expect(result["from_b"] as? [String: Bool] == members, "sent on B: \(result)")
                    #expect(result["other_room"] as? [String: Bool] == ["a_other": true, "b_other": true], "\(result)")
                    #expect((result["extra_in_room"] as? [String: Any])?.isEmpty == true, "\(result)")
                    #expect(
                        (result["extra_in_other_room"] as? [String: Any])?.isEmpty == true,
                        "another room got messages: \(result)")
                }
            }
        }

        @Test(
            "chat: Redis killed → notice, 503 for new upgrades, processes keep serving; restarted → notice, messages flow",
            .enabled(if: OwnRedisServer.installed, "redis-server not installed"))
        func chatRedisOutage() throws {
            let redis = try OwnRedisServer()
            try withDemo(["--no-access-log"], redisURL: redis.url) { a throws in
                try withDemo(["--no-access-log"], redisURL: redis.url) { b throws in
                    let client = try WebSocketClient.start("chat-outage", ["127.0.0.1", "\(try #require(a.port))", "\(try #require(b.port))"])
                    defer { client.killIfRunning() }
                    try #require(WebSocketClient.wait(for: "READY", in: client), "\(client.stdout.text) \(client.stderr.text)")
                    redis.kill()
                    client.writeToStdin("killed\n")
                    try #require(
                        WebSocketClient.wait(for: "DOWN", in: client, timeout: .seconds(60)),
                        "\(client.stdout.text) \(client.stderr.text)")
                    try redis.start()
                    client.writeToStdin("restarted\n")
                    let result = try WebSocketClient.result(of: client, timeout: .seconds(90))

                    let everyone = ["a1", "a2", "b1"]
                    let all = Dictionary(uniqueKeysWithValues: everyone.map { ($0, true) })
                    #expect(result["before"] as? [String: Bool] == all, "\(result)")
                    let lost = result["lost_notice"] as? [String: Any] ?? [:]
                    let back = result["back_notice"] as? [String: Any] ?? [:]
                    for name in everyone {
                        let lostNotice = lost[name] as? [String: Any]
                        let backNotice = back[name] as? [String: Any]
                        #expect(lostNotice?["type"] as? String == "notice", "\(name) after the kill: \(lost[name] ?? "nothing")")
                        #expect(backNotice?["type"] as? String == "notice", "\(name) after the restart: \(back[name] ?? "nothing")")
                        #expect(
                            lostNotice?["text"] as? String != backNotice?["text"] as? String,
                            "\(name): the same notice for lost and back")
                    }
                    #expect(result["healthz_down"] as? [Int] == [200, 200], "\(result)")
                    #expect(result["upgrade_down"] as? [Int] == [503, 503], "new chat upgrades while Redis is down: \(result)")
                    #expect(
                        (result["send_down"] as? [String: Any])?["type"] as? String == "error",
                        "a message sent while Redis is down: \(result["send_down"] ?? "nothing")")
                    #expect(result["open_while_down"] as? [String: Bool] == all, "\(result)")
                    #expect(result["after"] as? [String: Bool] == all, "sent on B after the restart: \(result)")
                    #expect(result["after_from_a"] as? [String: Bool] == all, "sent on A after the restart: \(result)")
                    #expect(result["upgrade_after"] as? [Int] == [101, 101], "\(result)")
                    #expect(result["healthz_after"] as? [Int] == [200, 200], "\(result)")
                    #expect(result["open_after"] as? [String: Bool] == all, "\(result)")
                    #expect(a.child.isRunning && b.child.isRunning)
                }
            }
        }
    }
}
