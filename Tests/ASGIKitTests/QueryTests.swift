import Testing

@testable import ASGIKit

@Suite struct QueryTests {
    func parse(_ raw: String) throws(HTTPError) -> QueryParameters {
        try QueryParameters(parsing: Array(raw.utf8))
    }

    @Test func repeatedKeysAreKeptInOrder() throws {
        let query = try parse("a=1&a=2&b=3")
        #expect(query["a"] == "1")
        #expect(query.values("a") == ["1", "2"])
        #expect(query.map(\.name) == ["a", "a", "b"])
    }

    @Test func percentEscapesAndPlus() throws {
        let query = try parse("path=%2Fetc%2Fpasswd&q=hello+world&plus=%2B&name=caf%C3%A9")
        #expect(query["path"] == "/etc/passwd")
        #expect(query["q"] == "hello world")
        #expect(query["plus"] == "+")
        #expect(query["name"] == "café")
    }

    @Test func emptyValuesAndPairs() throws {
        let query = try parse("a=&b&&=c&d=1=2")
        #expect(query["a"] == "")
        #expect(query["b"] == "")
        #expect(query.contains("b"))
        #expect(query[""] == "c")
        #expect(query["d"] == "1=2")
        #expect(query.count == 4)
        #expect(try parse("").isEmpty)
    }

    @Test(arguments: ["a=%", "a=%2", "a=%zz", "%G1=x", "a=1&b=%4"])
    func invalidEscapesAre400(raw: String) {
        #expect(throws: HTTPError.self) { try parse(raw) }
        do { _ = try parse(raw) } catch { #expect(error.status == 400) }
    }

    @Test func typedAccess() throws {
        let query = try parse("n=5&bad=x")
        #expect(try query.get("n", as: Int.self) == 5)
        #expect(try query.get("missing", as: Int.self) == nil)
        #expect(throws: HTTPError.self) { try query.get("bad", as: Int.self) }
        #expect(throws: HTTPError.self) { try query.require("missing") }
    }

    @Test func throughTheRouter() async throws {
        let router = Router()
        router.get("/echo") { request in .text("You said: \(try request.query["message"] ?? "")") }
        let app = router.application
        #expect(try await call(app, "GET", "/echo?message=Hello+there%21").text == "You said: Hello there!")
        #expect(try await call(app, "GET", "/echo").text == "You said: ")
        let bad = try await call(app, "GET", "/echo?message=%E")
        #expect(bad.status == 400)
        #expect(bad.text.contains("percent"))
    }
}
