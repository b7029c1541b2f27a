import ASGI
import ASGIServer
import Testing

/// `--limit-max-connections`: past the cap a new connection gets 503 and is closed; the ones
/// already open are still served.
@Suite struct ConnectionLimitTests {
    @Test func connectionPastTheCapGets503() async throws {
        try await withServer({ $0.limitMaxConnections = 2 }, app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let first = try TestClient(port: port)
                let second = try TestClient(port: port)
                try first.send(get("/"))
                #expect(try first.readResponse().status == 200)
                try second.send(get("/"))
                #expect(try second.readResponse().status == 200)

                let third = try TestClient(port: port)
                try third.send(get("/"))
                let refused = String(decoding: try third.readToEnd(), as: UTF8.self)
                #expect(refused.hasPrefix("HTTP/1.1 503 "), "\(refused)")
                #expect(refused.lowercased().contains("connection: close"))

                // The first two keep their keep-alive connections.
                try first.send(get("/"))
                #expect(try first.readResponse().status == 200)
                try second.send(get("/"))
                #expect(try second.readResponse().status == 200)
            }
        }
    }

    @Test func defaultCapFollowsTheOpenFileLimit() {
        #expect(ServerConfig().limitMaxConnections == nil)
    }
}
