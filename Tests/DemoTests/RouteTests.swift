import Foundation
import Testing

extension DemoProcessSuites {
    /// The README's other demo routes. Each test runs only when the built demo serves its route
    /// (asked once of a running binary), so they switch on as the routes land.
    @Suite("asgi-demo routes")
    struct RouteTests {
        @Test(
            "GET /json is application/json {\"message\":\"Hello, JSON!\"}",
            .enabled(if: DemoRoutes.has("/json"), "GET /json not served by this build"))
        func json() throws {
            try withDemo { server throws in
                let response = try server.request("/json")
                #expect(response.status == 200)
                #expect(response.header("content-type")?.hasPrefix("application/json") == true)
                let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
                #expect(object?["message"] as? String == "Hello, JSON!", "body: \(response.text)")
                #expect(object?.count == 1)
            }
        }

        @Test("GET /echo?message=X says 'You said: X' (percent-decoded)", .enabled(if: DemoRoutes.has("/echo"), "GET /echo not served by this build"))
        func echoQuery() throws {
            try withDemo { server throws in
                let response = try server.request("/echo?message=hello%20w%C3%B6rld%21")
                #expect(response.status == 200)
                #expect(response.text == "You said: hello wörld!")
            }
        }

        @Test("GET /stream?n=N streams N lines, chunked", .enabled(if: DemoRoutes.has("/stream"), "GET /stream not served by this build"))
        func stream() throws {
            try withDemo { server throws in
                let response = try server.request("/stream?n=5", ["--raw"])  // --raw: keep the chunk framing
                #expect(response.status == 200)
                #expect(response.header("transfer-encoding") == "chunked")
                #expect(response.header("content-length") == nil)
                let decoded = try server.request("/stream?n=5")
                #expect(decoded.text == (1...5).map { "line \($0)\n" }.joined())
                let many = try server.request("/stream?n=1000")
                #expect(many.text.split(separator: "\n").count == 1000)
                #expect(many.text.hasSuffix("line 1000\n"))
                #expect(try server.request("/stream?n=0").text.isEmpty)
                #expect(try server.request("/stream?n=-1").status == 400)
                #expect(try server.request("/stream?n=abc").status == 400)
            }
        }

        @Test(
            "GET /slow takes 1 s without blocking the loop: 4 in parallel finish in well under 4 s",
            .enabled(if: DemoRoutes.has("/slow"), "GET /slow not served by this build"))
        func slow() throws {
            try withDemo { server throws in
                let url = server.url("/slow")
                var arguments = ["-Z", "--parallel-immediate", "-w", "%{http_code}\\n"]
                for _ in 0..<4 { arguments += ["-o", "/dev/null", url] }
                let started = ContinuousClock.now
                let result = try server.curl(arguments)
                let elapsed = ContinuousClock.now - started
                #expect(result.text.split(separator: "\n") == ["200", "200", "200", "200"], "\(result.text) \(result.stderr)")
                #expect(elapsed >= .milliseconds(950), "4 x /slow took only \(elapsed)")
                #expect(elapsed < .milliseconds(2500), "4 parallel /slow took \(elapsed): the loop was blocked")
                try expectServedWhileBusy(server, busyPath: "/slow")
            }
        }

        @Test(
            "GET /blocking sleeps on the blocking pool; the loop keeps serving",
            .enabled(if: DemoRoutes.has("/blocking"), "GET /blocking not served by this build"))
        func blocking() throws {
            try withDemo { server throws in
                let started = ContinuousClock.now
                let response = try server.request("/blocking")
                #expect(response.status == 200)
                #expect(ContinuousClock.now - started >= .milliseconds(950))
                try expectServedWhileBusy(server, busyPath: "/blocking")
            }
        }

        @Test("GET /healthz is 200 ok", .enabled(if: DemoRoutes.has("/healthz"), "GET /healthz not served by this build"))
        func healthz() throws {
            try withDemo { server throws in
                let response = try server.request("/healthz")
                #expect(response.status == 200)
                #expect(response.text.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
            }
        }

        @Test("GET /chat is an HTML page that joins rooms over /ws/chat/")
        func chatPage() throws {
            try withDemo { server throws in
                let response = try server.request("/chat")
                #expect(response.status == 200)
                #expect(response.header("content-type") == "text/html; charset=utf-8")
                #expect(response.text.hasPrefix("<!doctype html>"))
                #expect(response.text.contains("new WebSocket("))
                #expect(response.text.contains("/ws/chat/"))
                #expect(response.header("content-length") == String(response.body.count))
            }
        }

        /// Starts `busyPath` (1 s) in the background and checks `GET /` is answered before it ends.
        private func expectServedWhileBusy(_ server: DemoServer, busyPath: String) throws {
            let busy = try ChildProcess("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", server.url(busyPath)])
            defer { busy.killIfRunning() }
            let started = ContinuousClock.now
            let quick = try server.request("/")
            let quickTime = ContinuousClock.now - started
            #expect(quick.status == 200)
            #expect(busy.isRunning || quickTime < .milliseconds(500), "GET / waited \(quickTime) behind \(busyPath)")
            #expect(busy.waitForExit(timeout: .seconds(20)) == 0)
            #expect(busy.stdout.text == "200")
        }
    }
}
