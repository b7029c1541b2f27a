import ASGI
import Synchronization
import Testing

@testable import ASGIKit

@Suite struct RouterTests {
    static func makeRouter() -> Router {
        let router = Router()
        router.get("/") { _ in .text("root") }
        router.get("/users/new") { _ in .text("new user form") }
        router.get("/users/:id") { request in .text("user \(try request.pathParameters.require("id"))") }
        router.post("/users/:id") { request in .text("updated \(try request.pathParameters.require("id"))") }
        router.get("/users/:id/posts/:post") { request in
            .text("\(request.pathParameters["id"]!)/\(request.pathParameters["post"]!)")
        }
        router.get("/files/*") { request in .text("file \(request.pathParameters.catchAll!)") }
        router.delete("/files/*") { _ in .text("deleted") }
        router.group("/api") { api in
            api.get("/status") { _ in .text("api ok") }
            api.group("/v2").get("/items/:id") { request in .text("v2 item \(request.pathParameters["id"]!)") }
        }
        return router
    }

    @Test func staticParametersAndNesting() async throws {
        let app = Self.makeRouter().application
        #expect(try await call(app, "GET", "/").text == "root")
        #expect(try await call(app, "GET", "/users/42").text == "user 42")
        #expect(try await call(app, "GET", "/users/new").text == "new user form")
        #expect(try await call(app, "POST", "/users/new").text == "updated new")  // backtracks to :id
        #expect(try await call(app, "GET", "/users/7/posts/9").text == "7/9")
    }

    @Test func parametersArePercentDecoded() async throws {
        let app = Self.makeRouter().application
        #expect(try await call(app, "GET", "/users/a%2Fb").text == "user a/b")
        #expect(try await call(app, "GET", "/users/caf%C3%A9").text == "user café")
        #expect(try await call(app, "GET", "/api/st%61tus").text == "api ok")
    }

    @Test func catchAll() async throws {
        let app = Self.makeRouter().application
        #expect(try await call(app, "GET", "/files/a/b/c.txt").text == "file a/b/c.txt")
        #expect(try await call(app, "GET", "/files/x").text == "file x")
        #expect(try await call(app, "GET", "/files").text == "file ")
        #expect(try await call(app, "DELETE", "/files/x/y").text == "deleted")
    }

    @Test func groups() async throws {
        let app = Self.makeRouter().application
        #expect(try await call(app, "GET", "/api/status").text == "api ok")
        #expect(try await call(app, "GET", "/api/v2/items/3").text == "v2 item 3")
        #expect(try await call(app, "GET", "/status").status == 404)
    }

    @Test func notFoundAndMethodNotAllowed() async throws {
        let app = Self.makeRouter().application
        let missing = try await call(app, "GET", "/nope")
        #expect(missing.status == 404)
        #expect(missing.text == "Not Found")
        #expect(try await call(app, "GET", "/users/1/posts").status == 404)

        let wrongMethod = try await call(app, "DELETE", "/users/1")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "GET, POST, HEAD")
        let root = try await call(app, "POST", "/")
        #expect(root.status == 405)
        #expect(root.headers["allow"] == "GET, HEAD")
    }

    @Test func headIsServedByGet() async throws {
        let app = Self.makeRouter().application
        let head = try await call(app, "HEAD", "/users/5")
        #expect(head.status == 200)
        #expect(head.text == "user 5")  // the server drops the body on the wire
        #expect(head.headers["content-type"] == "text/plain; charset=utf-8")
    }

    @Test func explicitHeadWinsOverGet() async throws {
        let router = Router()
        router.get("/x") { _ in .text("get") }
        router.head("/x") { _ in Response(status: 204) }
        #expect(try await call(router.application, "HEAD", "/x").status == 204)
    }

    @Test func trailingAndDoubleSlashesAreIgnored() async throws {
        let app = Self.makeRouter().application
        #expect(try await call(app, "GET", "/users/3/").text == "user 3")
        #expect(try await call(app, "GET", "//api//status").text == "api ok")
    }

    @Test func routerIsCallableAndLookupWorksWithManyRoutes() async throws {
        let router = Router()
        for i in 0..<1000 {
            router.get("/static/\(i)") { _ in .text("static \(i)") }
            router.get("/param/\(i)/:id") { request in .text("param \(i) \(request.pathParameters["id"]!)") }
        }
        let app: Application = { scope, receive, send in try await router(scope, receive, send) }
        #expect(try await call(app, "GET", "/static/999").text == "static 999")
        #expect(try await call(app, "GET", "/param/500/x").text == "param 500 x")
        #expect(try await call(app, "GET", "/param/1000/x").status == 404)
    }

    @Test func lifespanRunsHooks() async throws {
        let router = Router()
        let log = Locked<[String]>([])
        router.onStartup { state in
            state["ready"] = true; log.withLock { $0.append("startup") }
        }
        router.onShutdown { _ in log.withLock { $0.append("shutdown") } }
        let events = Locked<[ReceiveEvent]>([.lifespanStartup, .lifespanShutdown])
        let sent = Locked<[String]>([])
        let state = ScopeState()
        try await router.application(
            .lifespan(state: state),
            { events.withLock { $0.removeFirst() } },
            { event in sent.withLock { $0.append(event.type) } })
        #expect(log.withLock { $0 } == ["startup", "shutdown"])
        #expect(sent.withLock { $0 } == ["lifespan.startup.complete", "lifespan.shutdown.complete"])
        #expect(state["ready"] as? Bool == true)
    }
}
