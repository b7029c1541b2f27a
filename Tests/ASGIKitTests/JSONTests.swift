import Testing

@testable import ASGIKit

@Suite struct JSONTests {
    struct Greeting: Codable, Equatable { let message: String }

    struct Everything: Codable, Equatable {
        var int = -42
        var uint: UInt8 = 200
        var double = 1.5
        var float: Float = 0.25
        var bool = true
        var optional: String? = nil
        var present: String? = "here"
        var list = [1, 2, 3]
        var nested = [Greeting(message: "a\"b\\c\n\u{1}é/")]
        var empty: [String] = []
        var map = ["k": 1]
    }

    enum Kind: String, Codable { case small }
    struct Wrapper: Codable { let kind: Kind; let tag: Int? }

    @Test func encodesTheDemoMessage() throws {
        let json = String(decoding: try JSON.encode(Greeting(message: "Hello, JSON!")), as: UTF8.self)
        #expect(json == #"{"message":"Hello, JSON!"}"#)
    }

    @Test func encodesEveryShapeInOrder() throws {
        let json = String(decoding: try JSON.encode(Everything()), as: UTF8.self)
        #expect(
            json
                == #"{"int":-42,"uint":200,"double":1.5,"float":0.25,"bool":true,"present":"here","list":[1,2,3],"nested":[{"message":"a\"b\\c\n\u0001é/"}],"empty":[],"map":{"k":1}}"#
        )
    }

    @Test func roundTripsThroughTheDecoder() throws {
        let value = Everything()
        #expect(try JSON.decode(Everything.self, from: JSON.encode(value)) == value)
    }

    @Test func topLevelScalarsAndEnums() throws {
        #expect(String(decoding: try JSON.encode("x"), as: UTF8.self) == #""x""#)
        #expect(String(decoding: try JSON.encode([1.0, 2.5]), as: UTF8.self) == "[1,2.5]")
        #expect(String(decoding: try JSON.encode(Wrapper(kind: .small, tag: nil)), as: UTF8.self) == #"{"kind":"small"}"#)
        #expect(String(decoding: try JSON.encode([String: Int]()), as: UTF8.self) == "{}")
        #expect(String(decoding: try JSON.encode(Int64.min), as: UTF8.self) == "-9223372036854775808")
    }

    /// Writes to a nested container after its parent moved on: the streaming encoder cannot, the
    /// tree encoder takes over.
    struct Interleaved: Encodable {
        enum Keys: String, CodingKey { case a, b, c, x, y }
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            var nested = outer.nestedContainer(keyedBy: Keys.self, forKey: .a)
            var list = outer.nestedUnkeyedContainer(forKey: .c)
            try outer.encode(1, forKey: .b)
            try nested.encode("late", forKey: .x)
            try list.encode(true)
        }
    }

    struct WithSuper: Encodable {
        enum Keys: String, CodingKey { case own }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .own)
            try Greeting(message: "base").encode(to: container.superEncoder())
        }
    }

    /// Asks for its keyed container twice, and nests containers in order (streamable).
    struct TwoRequests: Encodable {
        enum Keys: String, CodingKey { case a, b, n }
        func encode(to encoder: any Encoder) throws {
            var first = encoder.container(keyedBy: Keys.self)
            try first.encode(1, forKey: .a)
            var nested = first.nestedUnkeyedContainer(forKey: .n)
            try nested.encode(2)
            try nested.encode(Greeting(message: "in"))
            var second = encoder.container(keyedBy: Keys.self)
            try second.encode(3, forKey: .b)
        }
    }

    @Test func outOfOrderContainersFallBackToTheTree() throws {
        #expect(String(decoding: try JSON.encode(Interleaved()), as: UTF8.self) == #"{"a":{"x":"late"},"c":[true],"b":1}"#)
        #expect(String(decoding: try JSON.encode([WithSuper()]), as: UTF8.self) == #"[{"own":1,"super":{"message":"base"}}]"#)
        #expect(String(decoding: try JSON.encode(TwoRequests()), as: UTF8.self) == #"{"a":1,"n":[2,{"message":"in"}],"b":3}"#)
    }

    @Test func streamAndTreeAgree() throws {
        let values: [Everything] = [Everything(), Everything(optional: "set", list: [], nested: [], map: [:])]
        for value in values {
            #expect(try JSON.encode(value) == JSON.encodeThroughTree(value))
        }
        #expect(try JSON.encode([[1], [], [2, 3]]) == JSON.encodeThroughTree([[1], [], [2, 3]]))
        #expect(try JSON.encode([String?.none, "x"]) == JSON.encodeThroughTree([String?.none, "x"]))
    }

    @Test func nonFiniteNumbersThrow() {
        #expect(throws: EncodingError.self) { try JSON.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSON.encode(Float.infinity) }
    }

    @Test func jsonInAndOutThroughTheRouter() async throws {
        let router = Router()
        router.post("/greet") { request in
            let greeting = try await request.json(as: Greeting.self)
            return try .json(Greeting(message: greeting.message.uppercased()), status: 201)
        }
        let app = router.application
        let ok = try await call(app, "POST", "/greet", body: [bytes(#"{"message":"#), bytes(#""hi"}"#)])
        #expect(ok.status == 201)
        #expect(ok.headers["content-type"] == "application/json")
        #expect(ok.text == #"{"message":"HI"}"#)

        let broken = try await call(app, "POST", "/greet", body: [bytes(#"{"message":"#)])
        #expect(broken.status == 400)
        #expect(broken.text.hasPrefix("Invalid JSON body: the data is not valid JSON"))

        let wrongShape = try await call(app, "POST", "/greet", body: [bytes(#"{"text":"hi"}"#)])
        #expect(wrongShape.status == 400)
        #expect(wrongShape.text == "Invalid JSON body: missing key 'message'")

        let wrongType = try await call(app, "POST", "/greet", body: [bytes(#"{"message":5}"#)])
        #expect(wrongType.text == "Invalid JSON body: expected String at 'message'")
    }
}
