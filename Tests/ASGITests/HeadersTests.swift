import ASGI
import Testing

@Suite struct HeadersTests {
    @Test func keepsOrderAndDuplicates() {
        var headers: Headers = [("content-type", "text/plain"), ("set-cookie", "a=1")]
        headers.append(name: "set-cookie", value: "b=2")
        #expect(headers.count == 3)
        #expect(headers.map(\.nameString) == ["content-type", "set-cookie", "set-cookie"])
        #expect(headers.values(name: "Set-Cookie") == ["a=1", "b=2"])
    }

    @Test func lookupIsCaseInsensitive() {
        let headers: Headers = [("Content-Length", "12")]
        #expect(headers["content-length"] == "12")
        #expect(headers["CONTENT-LENGTH"] == "12")
        #expect(headers["content-lengt"] == nil)
        #expect(headers["content-length-x"] == nil)
        #expect(headers.contains(name: "content-LENGTH"))
    }

    @Test func removeAndReplace() {
        var headers: Headers = [("a", "1"), ("b", "2"), ("A", "3")]
        headers.remove(name: "a")
        #expect(headers.map(\.nameString) == ["b"])
        headers.replaceOrAdd(name: "b", value: "9")
        headers.replaceOrAdd(name: "c", value: "7")
        #expect(headers["b"] == "9" && headers["c"] == "7" && headers.count == 2)
    }

    @Test func bytesAreKeptExactly() {
        var headers = Headers()
        headers.append(name: Array("x-bin".utf8), value: [0xff, 0x00, 0x41])
        #expect(Array(headers[0].value) == [0xff, 0x00, 0x41])
        let raw: [UInt8] = Array("namevalue".utf8)
        raw.withUnsafeBytes { bytes in
            headers.appendRaw(name: UnsafeRawBufferPointer(rebasing: bytes[0..<4]), value: UnsafeRawBufferPointer(rebasing: bytes[4...]))
        }
        #expect(headers[1].nameString == "name" && headers[1].valueString == "value")
    }

    @Test func equalityComparesFields() {
        let a: Headers = [("x", "1"), ("y", "2")]
        let b: Headers = [("x", "1"), ("y", "2")]
        let c: Headers = [("y", "2"), ("x", "1")]
        #expect(a == b)
        #expect(a != c)
    }
}

@Suite struct ScopeTests {
    @Test func httpScopeHasTheASGIKeys() {
        let scope = Scope(method: "GET", path: "/a b", rawPath: Array("/a%20b".utf8), queryString: Array("q=1".utf8))
        #expect(scope.type == .http)
        #expect(scope.asgiVersion == "3.0")
        #expect(scope.specVersion == "2.4")
        #expect(scope.httpVersion == "1.1")
        #expect(scope.scheme == "http")
        #expect(scope.rootPath == "")
        #expect(scope.path == "/a b" && scope.rawPath == Array("/a%20b".utf8))
    }

    @Test func copiesAreIndependent() {
        let original = Scope(method: "GET", path: "/", rawPath: Array("/".utf8))
        var copy = original
        copy.path = "/changed"
        copy.headers.append(name: "x", value: "1")
        #expect(original.path == "/")
        #expect(original.headers.isEmpty)
        #expect(copy.path == "/changed" && copy.headers.count == 1)
    }

    @Test func lifespanScope() {
        let state = ScopeState()
        let scope = Scope.lifespan(state: state)
        #expect(scope.type == .lifespan)
        #expect(scope.specVersion == "2.0")
        #expect(scope.state === state)
    }

    @Test func stateCopyIsShallowAndIndependent() {
        let state = ScopeState(["pool": "db"])
        let copy = state.copy()
        copy["request"] = 1
        #expect(state["request"] == nil)
        #expect(copy["pool"] as? String == "db")
        #expect(Set(copy.keys) == ["pool", "request"])
    }

    @Test func eventTypesAreTheASGINames() {
        #expect(ReceiveEvent.request(body: [], moreBody: false).type == "http.request")
        #expect(ReceiveEvent.disconnect.type == "http.disconnect")
        #expect(ReceiveEvent.lifespanShutdown.type == "lifespan.shutdown")
        #expect(SendEvent.responseStart(status: 200).type == "http.response.start")
        #expect(SendEvent.responseBody([]).type == "http.response.body")
        #expect(SendEvent.responseTrailers(headers: []).type == "http.response.trailers")
        #expect(SendEvent.lifespanStartupFailed(message: "x").type == "lifespan.startup.failed")
    }

    @Test func errorsCarryTheirKind() {
        #expect(ASGIError.disconnected().isDisconnected)
        #expect(ASGIError.invalidHeader("x").isInvalidHeader)
        #expect(!ASGIError.invalidHeader("x").isDisconnected)
        #expect(ASGIError.contentLengthMismatch("m").description == "m")
    }
}
