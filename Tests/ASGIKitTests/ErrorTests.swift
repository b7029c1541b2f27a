import Testing

@testable import ASGIKit

@Suite struct ErrorTests {
    struct Boom: Error {}

    @Test func httpErrorBecomesItsStatus() async throws {
        let router = Router()
        router.get("/teapot") { _ in throw HTTPError(418, "short and stout") }
        router.get("/gone") { _ in throw HTTPError(410) }
        router.get("/odd") { _ in throw HTTPError(599) }
        let teapot = try await call(router.application, "GET", "/teapot")
        #expect(teapot.status == 418)
        #expect(teapot.text == "short and stout")
        #expect(teapot.headers["content-type"] == "text/plain; charset=utf-8")
        // The reason phrase from the one table the server's status lines use; a code it lacks is named.
        #expect(try await call(router.application, "GET", "/gone").text == "Gone")
        #expect(try await call(router.application, "GET", "/odd").text == "HTTP 599")
    }

    @Test func otherErrorsAre500WithoutDetails() async throws {
        let router = Router()
        router.get("/boom") { _ in throw Boom() }
        let result = try await call(router.application, "GET", "/boom")
        #expect(result.status == 500)
        #expect(result.text == "Internal Server Error")
    }

    @Test func errorBeforeTheFirstChunkIsAnErrorResponse() async throws {
        let router = Router()
        router.get("/s") { _ in
            .stream(AsyncThrowingStream<[UInt8], any Error> { $0.finish(throwing: HTTPError(503, "busy")) })
        }
        let result = try await call(router.application, "GET", "/s")
        #expect(result.status == 503)
        #expect(result.text == "busy")
    }

    @Test func errorAfterTheFirstChunkPropagates() async throws {
        let router = Router()
        router.get("/s") { _ in
            .stream(
                AsyncThrowingStream<[UInt8], any Error> { continuation in
                    continuation.yield(bytes("partial"))
                    continuation.finish(throwing: Boom())
                })
        }
        await #expect(throws: Boom.self) { try await call(router.application, "GET", "/s") }
    }

    @Test func redirectAndCustomResponses() async throws {
        let router = Router()
        router.get("/old") { _ in .redirect(to: "/new", status: 301) }
        router.get("/created") { _ in Response(status: 201, headers: [("location", "/x")], body: .bytes(bytes("made"))) }
        router.get("/raw") { _ in .bytes([0, 1, 2], contentType: "application/x-test", headers: [("x-a", "b")]) }
        let old = try await call(router.application, "GET", "/old")
        #expect(old.status == 301)
        #expect(old.headers["location"] == "/new")
        let created = try await call(router.application, "GET", "/created")
        #expect(created.status == 201 && created.text == "made")
        let raw = try await call(router.application, "GET", "/raw")
        #expect(raw.body == [0, 1, 2])
        #expect(raw.headers["content-type"] == "application/x-test")
        #expect(raw.headers["x-a"] == "b")
    }
}
