import ASGI
import Logging
import Synchronization
import Testing

@testable import ASGIKit

@Suite struct MiddlewareTests {
    static func tracer(_ name: String, _ log: Locked<[String]>) -> RouterMiddleware {
        { request, next in
            log.withLock { $0.append("\(name) before") }
            var response = try await next(request)
            log.withLock { $0.append("\(name) after") }
            response.headers.append(name: "x-trace", value: name)
            return response
        }
    }

    @Test func routerAndGroupMiddlewareRunOutsideIn() async throws {
        let log = Locked<[String]>([])
        let router = Router()
        let api = router.group("/api")
        api.get("/x") { _ in
            log.withLock { $0.append("handler") }
            return .text("x")
        }
        router.use(Self.tracer("outer", log))  // added after the route: still applies
        router.use(Self.tracer("inner", log))
        api.use(Self.tracer("group", log))
        router.get("/plain") { _ in .text("plain") }

        let result = try await call(router.application, "GET", "/api/x")
        #expect(
            log.withLock { $0 } == [
                "outer before", "inner before", "group before", "handler", "group after", "inner after", "outer after",
            ])
        #expect(result.headers.values(name: "x-trace") == ["group", "inner", "outer"])

        log.withLock { $0 = [] }
        _ = try await call(router.application, "GET", "/plain")
        #expect(log.withLock { $0 } == ["outer before", "inner before", "inner after", "outer after"])
    }

    @Test func routerMiddlewareSeesNotFoundAndCanShortCircuit() async throws {
        let statuses = Locked<[Int]>([])
        let router = Router()
        router.use { request, next in
            do {
                let response = try await next(request)
                statuses.withLock { $0.append(response.status) }
                return response
            } catch let error as HTTPError {
                statuses.withLock { $0.append(error.status) }
                throw error
            }
        }
        router.group("/admin") { admin in
            admin.use { request, next in
                guard request.headers["authorization"] == "secret" else { throw HTTPError(401) }
                return try await next(request)
            }
            admin.get("/panel") { _ in .text("panel") }
        }
        let app = router.application
        #expect(try await call(app, "GET", "/nowhere").status == 404)
        #expect(try await call(app, "POST", "/admin/panel").status == 405)
        #expect(try await call(app, "GET", "/admin/panel").status == 401)
        #expect(try await call(app, "GET", "/admin/panel", headers: [("Authorization", "secret")]).text == "panel")
        #expect(statuses.withLock { $0 } == [404, 405, 401, 200])
    }

    @Test func asgiMiddlewareOrder() async throws {
        let log = Locked<[String]>([])
        func named(_ name: String) -> Middleware {
            { app in
                { scope, receive, send in
                    log.withLock { $0.append("\(name) in") }
                    try await app(scope, receive, send)
                    log.withLock { $0.append("\(name) out") }
                }
            }
        }
        let router = Router()
        router.get("/") { _ in
            log.withLock { $0.append("app") }
            return .text("ok")
        }
        let app = MiddlewareStack.chain(named("a"), named("b"), around: router.application)
        _ = try await call(app, "GET", "/")
        #expect(log.withLock { $0 } == ["a in", "b in", "app", "b out", "a out"])
    }

    @Test func requestIDIsKeptOrGenerated() async throws {
        let router = Router()
        router.get("/") { request in .text(request.headers["x-request-id"] ?? "none") }
        let app = RequestID.middleware()(router.application)

        let given = try await call(app, "GET", "/", headers: [("X-Request-ID", "abc-123")])
        #expect(given.text == "abc-123")
        #expect(given.headers["x-request-id"] == "abc-123")

        let first = try await call(app, "GET", "/")
        let second = try await call(app, "GET", "/")
        #expect(first.text.count == 24)
        #expect(first.headers["x-request-id"] == first.text)
        #expect(first.text != second.text)

        let junk = try await call(app, "GET", "/", headers: [("x-request-id", "has space")])
        #expect(junk.text != "has space")
    }

    @Test func corsSimpleAndPreflight() async throws {
        let router = Router()
        router.get("/data") { _ in .text("data") }
        var cors = CORS(allowedOrigins: ["https://app.example.com"])
        cors.exposedHeaders = ["x-total"]
        let app = cors.middleware(router.application)

        let simple = try await call(app, "GET", "/data", headers: [("origin", "https://app.example.com")])
        #expect(simple.text == "data")
        #expect(simple.headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(simple.headers["vary"] == "origin")
        #expect(simple.headers["access-control-expose-headers"] == "x-total")

        let foreign = try await call(app, "GET", "/data", headers: [("origin", "https://evil.example")])
        #expect(foreign.text == "data")
        #expect(foreign.headers["access-control-allow-origin"] == nil)

        let preflight = try await call(
            app, "OPTIONS", "/data",
            headers: [
                ("origin", "https://APP.example.com"), ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type, x-token"),
            ])
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-methods"]?.contains("PUT") == true)
        #expect(preflight.headers["access-control-allow-headers"] == "content-type, x-token")
        #expect(preflight.headers["access-control-max-age"] == "600")

        let refused = try await call(
            app, "OPTIONS", "/data",
            headers: [
                ("origin", "https://evil.example"), ("access-control-request-method", "GET"),
            ])
        #expect(refused.status == 403)

        let any = CORS(allowingAnyOrigin: ()).middleware(router.application)
        #expect(try await call(any, "GET", "/data", headers: [("origin", "https://x.y")]).headers["access-control-allow-origin"] == "*")
    }

    @Test func accessLogLine() async throws {
        let request = Request(
            scope: Scope(
                method: "GET", path: "/echo", rawPath: bytes("/echo"), queryString: bytes("message=hi"),
                client: Scope.Address(host: "127.0.0.1", port: 50122)),
            pathParameters: PathParameters(),
            context: RequestContext(receive: { .disconnect }, maxBodyBytes: 0))
        let line = AccessLog.line(request, status: 200, size: "12B", elapsed: .microseconds(1234))
        #expect(line == #"127.0.0.1:50122 - "GET /echo?message=hi HTTP/1.1" 200 12B 1.23ms"#)
    }

    @Test func accessLogPassesErrorsThrough() async throws {
        let router = Router()
        router.use(AccessLog.middleware(logger: Logger(label: "test"), level: .trace))
        router.get("/x") { _ in throw HTTPError(409) }
        #expect(try await call(router.application, "GET", "/x").status == 409)
        #expect(try await call(router.application, "GET", "/y").status == 404)
    }
}
