import Foundation
import Testing

@testable import ASGIKit

/// ASGIKit's JSON encoder against Foundation's `JSONEncoder` configured as it documents
/// (`.withoutEscapingSlashes`, default strategies), on values built by a seeded generator:
/// nested structs, optionals, arrays, string-keyed dictionaries, strings full of escapes, every
/// integer width, doubles and floats of every magnitude, `Data`, `URL`, `Decimal`, `Date`.
///
/// `JSONEncoder` writes a keyed container in its dictionary's (random) order, so both outputs
/// have their object members put in one order before the bytes are compared; nothing else is
/// normalised: numbers, escapes and structure must match byte for byte.
@Suite struct JSONDifferentialTests {
    static let seed: UInt64 = 0x5EED_0000_0000_0008
    static let count = 3000

    @Test func generatedValuesEncodeAsFoundationDoes() throws {
        var generator = ValueGenerator(seed: Self.seed)
        var failures: [String] = []
        for index in 0..<Self.count {
            let value: any Encodable = index % 3 == 0 ? generator.record(depth: 0) : generator.value(depth: 0)
            if let failure = try Self.compare(value), failures.count < 10 {
                failures.append("value \(index) (seed \(Self.seed)): \(failure)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func handWrittenShapesEncodeAsFoundationDoes() throws {
        let values: [any Encodable] = [
            JSONTests.Everything(), JSONTests.Interleaved(), [JSONTests.WithSuper()], JSONTests.TwoRequests(),
            Data(), Data([0xFF, 0, 1]), [Data([1, 2, 3, 4])], URL(string: "https://example.com/a/b?c=d&e#f")!,
            Decimal(string: "-12.3400")!, Decimal(0), [Decimal(string: "1e-30")!],
            Date(timeIntervalSinceReferenceDate: -0.5),
            Optional<Int>.none, [Optional<String>.none], ["": 0], 0.0, -0.0, 1e300, Float(1) / 3, [String](),
        ]
        for value in values {
            let failure = try Self.compare(value)
            #expect(failure == nil, "\(failure ?? "")")
        }
    }

    @Test func nonFiniteNumbersThrowInBoth() {
        let values: [any Encodable] = [
            Double.nan, [Double.infinity], ["k": -Double.infinity], Float.nan, [Float?.some(.infinity)],
        ]
        for value in values {
            #expect(throws: EncodingError.self) { try Self.foundation.encode(value) }
            #expect(throws: EncodingError.self) { try JSON.encode(value) }
            #expect(throws: EncodingError.self) { try JSON.encodeThroughTree(value) }
        }
    }

    static var foundation: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    /// nil when both of ASGIKit's encoders match Foundation, else what differed.
    static func compare(_ value: any Encodable) throws -> String? {
        let expected = [UInt8](try foundation.encode(value))
        let stream = try JSON.encode(value)
        let tree = try JSON.encodeThroughTree(value)
        let canonical = try CanonicalJSON.canonical(expected)
        for (name, output) in [("stream", stream), ("tree", tree)] {
            guard try CanonicalJSON.canonical(output) != canonical else { continue }
            return
                "\(name) encoder wrote \(String(decoding: output, as: UTF8.self))\n  Foundation wrote \(String(decoding: expected, as: UTF8.self))"
        }
        return nil
    }
}

/// Rewrites compact or spaced JSON with every object's members sorted by their raw key bytes and
/// no whitespace; strings and numbers are kept exactly as written.
enum CanonicalJSON {
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        var description: String { "malformed JSON at byte \(offset)" }
    }

    static func canonical(_ bytes: [UInt8]) throws -> [UInt8] {
        var parser = Parser(bytes: bytes)
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == bytes.count else { throw Malformed(offset: parser.index) }
        return value
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { throw Malformed(offset: index) }
            index += 1
        }

        mutating func peek() throws -> UInt8 {
            skipSpace()
            guard index < bytes.count else { throw Malformed(offset: index) }
            return bytes[index]
        }

        mutating func value() throws -> [UInt8] {
            switch try peek() {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(key: [UInt8], value: [UInt8])] = []
                if try peek() == UInt8(ascii: "}") {
                    index += 1
                } else {
                    repeat {
                        let key = try string()
                        try expect(UInt8(ascii: ":"))
                        members.append((key, try value()))
                    } while try separator(closing: UInt8(ascii: "}"))
                }
                members.sort { $0.key.lexicographicallyPrecedes($1.key) }
                let body = members.map { $0.key + [UInt8(ascii: ":")] + $0.value }.joined(separator: [UInt8(ascii: ",")]
                )
                return [UInt8(ascii: "{")] + body + [UInt8(ascii: "}")]
            case UInt8(ascii: "["):
                index += 1
                var items: [[UInt8]] = []
                if try peek() == UInt8(ascii: "]") {
                    index += 1
                } else {
                    repeat { items.append(try value()) } while try separator(closing: UInt8(ascii: "]"))
                }
                return [UInt8(ascii: "[")] + items.joined(separator: [UInt8(ascii: ",")]) + [UInt8(ascii: "]")]
            case UInt8(ascii: "\""):
                return try string()
            default:
                let start = index
                while index < bytes.count, !Array(",]} \t\r\n".utf8).contains(bytes[index]) { index += 1 }
                guard index > start else { throw Malformed(offset: start) }
                return Array(bytes[start..<index])
            }
        }

        /// After a member or item: true for a comma, false for the closing bracket.
        mutating func separator(closing: UInt8) throws -> Bool {
            let byte = try peek()
            index += 1
            if byte == UInt8(ascii: ",") { return true }
            guard byte == closing else { throw Malformed(offset: index - 1) }
            return false
        }

        mutating func string() throws -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            let start = index - 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard index < bytes.count else { throw Malformed(offset: start) }
            index += 1
            return Array(bytes[start..<index])
        }
    }
}
