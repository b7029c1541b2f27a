import Foundation
import Testing

extension DemoProcessSuites {
    /// The demo's basic routes through curl, the client everybody will point at it first.
    @Suite("asgi-demo with curl")
    struct CurlTests {
        @Test("GET / answers 200 'Hello, ASGI!' with content-length, date and server headers")
        func getRoot() throws {
            try withDemo { server throws in
                let response = try server.request("/")
                #expect(response.statusLine.hasPrefix("HTTP/1.1 200"))
                #expect(response.text == "Hello, ASGI!")
                #expect(response.header("content-length") == "12")
                #expect(response.header("content-type")?.hasPrefix("text/plain") == true)
                let date = try #require(response.header("date"))
                #expect(
                    date.wholeMatch(of: /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/) != nil,
                    "date header is not an IMF-fixdate: \(date)")
                #expect(response.header("server")?.isEmpty == false)
                #expect(response.header("transfer-encoding") == nil)
            }
        }

        @Test("POST /echo with 1 MiB of random bytes returns the same bytes")
        func echoOneMebibyte() throws {
            let directory = try DemoEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let payload = randomBytes(1 << 20)
            let input = directory.appendingPathComponent("in.bin")
            let output = directory.appendingPathComponent("out.bin")
            try payload.write(to: input)
            try withDemo { server throws in
                let result = try server.curl([
                    "--data-binary", "@\(input.path)", "-H", "Content-Type: application/octet-stream",
                    "-o", output.path, "-w", "%{http_code}", server.url("/echo"),
                ])
                #expect(result.succeeded, "\(result.stderr)")
                #expect(result.text == "200")
                let echoed = try Data(contentsOf: output)
                #expect(echoed.count == payload.count)
                #expect(echoed == payload, "the echoed body differs from what was sent")
            }
        }

        @Test("a chunked upload to POST /echo is de-chunked and echoed")
        func chunkedUpload() throws {
            let directory = try DemoEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let payload = randomBytes(300_000)
            let input = directory.appendingPathComponent("in.bin")
            let output = directory.appendingPathComponent("out.bin")
            try payload.write(to: input)
            try withDemo { server throws in
                let result = try server.curl([
                    "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(input.path)",
                    "-o", output.path, "-w", "%{http_code}", server.url("/echo"),
                ])
                #expect(result.succeeded, "\(result.stderr)")
                #expect(result.text == "200")
                #expect(try Data(contentsOf: output) == payload)
            }
        }

        @Test("Expect: 100-continue gets an interim 100 before the body is sent")
        func expectContinue() throws {
            try withDemo { server throws in
                let body = String(repeating: "x", count: 70_000)
                let result = try server.curl([
                    "-v", "-H", "Expect: 100-continue", "--expect100-timeout", "15", "--data-binary", body,
                    "-o", "/dev/null", "-w", "%{http_code} %{time_total}", server.url("/echo"),
                ])
                #expect(result.succeeded, "\(result.stderr)")
                #expect(result.text.hasPrefix("200 "))
                #expect(result.stderr.contains("HTTP/1.1 100"), "no 100 Continue in curl's trace:\n\(result.stderr)")
            }
        }

        @Test("HEAD / has GET's headers and no body")
        func head() throws {
            try withDemo { server throws in
                let response = try server.request("/", ["-I"])
                #expect(response.status == 200)
                #expect(response.header("content-length") == "12")
                #expect(response.body.isEmpty)
                // curl -I never reads a body, so check the wire: HEAD then GET pipelined on one connection.
                let result = try server.python("head-then-get")
                #expect(result["head_status"] as? Int == 200)
                #expect(result["next_starts_with"] as? String == "HTTP/1.1 ", "bytes after HEAD's head: \(result)")
                #expect(result["get_body"] as? String == "Hello, ASGI!")
            }
        }

        @Test("an unknown path is 404; a known path with another method is 405 with allow")
        func notFoundAndMethodNotAllowed() throws {
            try withDemo { server throws in
                #expect(try server.request("/no/such/path").status == 404)
                #expect(try server.request("/no/such/path", ["-X", "POST", "--data", "x"]).status == 404)
                let response = try server.request("/", ["-X", "DELETE"])
                #expect(response.status == 405)
                #expect(response.header("allow")?.contains("GET") == true, "allow: \(response.header("allow") ?? "missing")")
            }
        }

        @Test("curl --http1.0 gets a complete response; the server closes an HTTP/1.0 connection")
        func http10() throws {
            try withDemo { server throws in
                let response = try server.request("/", ["--http1.0"])
                #expect(response.status == 200)
                #expect(response.text == "Hello, ASGI!")
                let raw = try server.python("http10")  // reads until the server closes (bounded 20 s)
                #expect(raw["status"] as? Int == 200)
                #expect(raw["body"] as? String == "Hello, ASGI!")
            }
        }

        @Test("curl reuses one keep-alive connection for several URLs")
        func keepAliveReuse() throws {
            try withDemo { server throws in
                let url = server.url("/")
                let result = try server.curl([
                    "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null",
                    "-w", "%{http_code} %{num_connects}\\n", url, url, url,
                ])
                #expect(result.succeeded, "\(result.stderr)")
                let lines = result.text.split(separator: "\n").map { $0.split(separator: " ") }
                #expect(lines.count == 3)
                #expect(lines.allSatisfy { $0.first == "200" })
                #expect(
                    lines.compactMap { $0.last.flatMap { Int($0) } }.reduce(0, +) == 1,
                    "connections opened per request: \(result.text)")
            }
        }
    }
}

func randomBytes(_ count: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    var data = Data(count: count)
    data.withUnsafeMutableBytes { buffer in
        for index in buffer.indices { buffer[index] = generator.next() }
    }
    return data
}
