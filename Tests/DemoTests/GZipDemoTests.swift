import Foundation
import Testing

extension DemoProcessSuites {
    /// The demo's router runs behind `GZip(minimumSize: 500)`: checked end to end with curl and Python's gzip.
    @Suite("asgi-demo gzip")
    struct GZipDemoTests {
        static let lines = (1...2000).map { "line \($0)\n" }.joined()

        @Test("GET /stream?n=2000 is gzipped for a client that accepts it, identical once decoded")
        func streamIsGzipped() throws {
            try withDemo { server throws in
                let gzipped = try server.request("/stream?n=2000", ["--compressed", "-H", "accept-encoding: gzip"])
                #expect(gzipped.status == 200)
                #expect(gzipped.header("content-encoding") == "gzip")
                #expect(gzipped.header("vary") == "accept-encoding")
                #expect(gzipped.header("content-length") == nil)
                #expect(gzipped.text == Self.lines)

                let plain = try server.request("/stream?n=2000")
                #expect(plain.status == 200)
                #expect(plain.header("content-encoding") == nil)
                #expect(plain.header("vary") == "accept-encoding")
                #expect(plain.body == gzipped.body)

                // Python's own gzip module reads the stream the server wrote.
                let port = try #require(server.port)
                let python = try runCommand(
                    "python3",
                    [
                        "-c",
                        """
                        import gzip, http.client, sys
                        c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
                        c.request("GET", "/stream?n=2000", headers={"Accept-Encoding": "gzip"})
                        r = c.getresponse()
                        body = gzip.decompress(r.read())
                        print(r.getheader("content-encoding"), len(body), body == "".join(f"line {i}\\n" for i in range(1, 2001)).encode())
                        """, "\(port)",
                    ], timeout: .seconds(30))
                #expect(python.status == 0, "\(python.stderr)")
                #expect(python.text.trimmingCharacters(in: .whitespacesAndNewlines) == "gzip \(Self.lines.utf8.count) True", "\(python.text)")

                // Not decoded by curl: the bytes on the wire are a gzip stream.
                let raw = try server.request("/stream?n=2000", ["-H", "accept-encoding: gzip"])
                #expect(raw.body.prefix(2) == Data([0x1f, 0x8b]))
                #expect(raw.body != plain.body)
            }
        }

        @Test("a body under 500 bytes and a refused gzip go out as they are")
        func smallAndRefused() throws {
            try withDemo { server throws in
                let small = try server.request("/", ["--compressed", "-H", "accept-encoding: gzip"])
                #expect(small.header("content-encoding") == nil)
                #expect(small.header("content-length") == "12")
                #expect(small.text == "Hello, ASGI!")

                let refused = try server.request("/bytes?n=100000", ["-H", "accept-encoding: gzip;q=0, br"])
                #expect(refused.header("content-encoding") == nil)
                #expect(refused.header("content-length") == "100000")
                #expect(refused.body.count == 100_000)

                let big = try server.request("/bytes?n=100000", ["--compressed", "-H", "accept-encoding: gzip"])
                #expect(big.header("content-encoding") == "gzip")
                #expect(big.body == refused.body)
            }
        }
    }
}
