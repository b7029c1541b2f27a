import Foundation
import Testing

extension DemoProcessSuites {
    /// The demo through Python's standard library (http.client and raw sockets): scripts/e2e/client.py.
    @Suite("asgi-demo with Python clients")
    struct PythonClientTests {
        @Test("100 requests on one keep-alive http.client connection")
        func hundredKeepAliveRequests() throws {
            try withDemo(["--no-access-log"]) { server throws in
                let result = try server.python("keepalive", ["100"])
                #expect(result["ok"] as? Int == 100, "\(result)")
                #expect(result["bodies_ok"] as? Int == 100, "\(result)")
                #expect(result["connections"] as? Int == 1, "http.client had to reconnect: \(result)")
            }
        }

        @Test("a malformed header line gets 400 and a close; the next client is served")
        func malformedRequest() throws {
            try withDemo { server throws in
                let result = try server.python("malformed")
                #expect(result["status"] as? Int == 400, "\(result)")
                #expect(result["connection"] as? String == "close", "\(result)")
                #expect(result["next_status"] as? Int == 200, "\(result)")
                #expect(result["next_body"] as? String == "Hello, ASGI!", "\(result)")
            }
        }
    }
}
