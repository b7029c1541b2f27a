import ASGI
import ASGIServer
import Glibc
import Testing

@Suite(.serialized) struct KeepAliveTests {
    @Test func thousandRequestsOnOneConnection() async throws {
        try await withServer(app: Apps.path) { server in
            let port = server.port
            let client = try TestClient(port: port)
            try await blocking {
                for i in 0..<1000 {
                    try client.send(get("/r\(i)"))
                    let response = try client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.text == "/r\(i)")
                }
            }
            #expect(await server.connectionCount() == 1)
        }
    }

    @Test func threePipelinedRequestsInOneWriteAnsweredInOrder() async throws {
        try await withServer(app: Apps.path) { server in
            let port = server.port
            let responses = try await blocking { () -> [TestResponse] in
                let client = try TestClient(port: port)
                try client.send(get("/one") + get("/two") + get("/three"))
                return try client.readResponses(3)
            }
            #expect(responses.map(\.text) == ["/one", "/two", "/three"])
            #expect(responses.allSatisfy { $0.status == 200 })
        }
    }

    @Test func pipelinedRequestsWithBodiesStayInOrder() async throws {
        try await withServer(app: Apps.echo) { server in
            let port = server.port
            let responses = try await blocking { () -> [TestResponse] in
                let client = try TestClient(port: port)
                var batch = ""
                for i in 0..<20 {
                    let body = "body-\(i)"
                    batch += "POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                }
                try client.send(batch)
                return try client.readResponses(20)
            }
            #expect(responses.map(\.text) == (0..<20).map { "body-\($0)" })
        }
    }

    @Test func oneShotResponseIsOneWriteWithContentLength() async throws {
        try await withServer(app: Apps.hello) { server in
            let port = server.port
            let response = try await roundTrip(port: port, get("/"))
            #expect(response.status == 200)
            #expect(response.header("content-length") == "12")
            #expect(response.header("transfer-encoding") == nil)
            #expect(response.header("server") == "swiftasgi")
            #expect(response.header("date")?.hasSuffix("GMT") == true)
            #expect(response.text == "Hello, ASGI!")
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withServer(app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send(get("/", "Connection: close\r\n"))
                let response = try client.readResponse()
                #expect(response.header("connection") == "close")
                #expect(client.isClosedByPeer())
            }
        }
    }

    @Test func http10WithoutKeepAliveCloses() async throws {
        try await withServer(app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port)
                try client.send("GET / HTTP/1.0\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "Hello, ASGI!")
                #expect(client.isClosedByPeer())
            }
        }
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTimeout() async throws {
        try await withServer({ $0.timeoutKeepAlive = 0.2 }, app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port, timeoutSeconds: 5)
                try client.send(get("/"))
                _ = try client.readResponse()
                let start = ContinuousClock.now
                #expect(client.isClosedByPeer())
                #expect(ContinuousClock.now - start < .seconds(4))
            }
        }
    }

    /// The keep-alive timer is re-armed lazily (a later deadline waits for the armed one to fire):
    /// a connection kept busy for several timeouts stays open, and the timeout still counts from
    /// its last response.
    @Test func busyConnectionOutlivesItsKeepAliveTimeoutAndClosesThatLongAfterItsLastResponse() async throws {
        try await withServer({ $0.timeoutKeepAlive = 0.3 }, app: Apps.hello) { server in
            let port = server.port
            try await blocking {
                let client = try TestClient(port: port, timeoutSeconds: 5)
                // 13 requests 0.1 s apart: 1.2 s of gaps, four timeouts, each gap a third of one.
                for index in 0..<13 {
                    if index > 0 { usleep(100_000) }
                    try client.send(get("/"))
                    #expect(try client.readResponse().status == 200)
                }
                let start = ContinuousClock.now
                #expect(client.isClosedByPeer())
                let idle = ContinuousClock.now - start
                #expect(idle >= .milliseconds(250))
                #expect(idle < .seconds(3))
            }
        }
    }
}
