import Foundation

/// A JSON-shaped value that encodes itself through the standard containers: scalars through a
/// single-value container, arrays and dictionaries through their own `Codable` conformance (an
/// unkeyed and a keyed container), optionals as `Optional`.
indirect enum GeneratedValue: Encodable {
    case int(Int), int8(Int8), int16(Int16), int32(Int32), int64(Int64)
    case uint(UInt), uint8(UInt8), uint16(UInt16), uint32(UInt32), uint64(UInt64)
    case double(Double), float(Float), bool(Bool), string(String), null
    case optional(GeneratedValue?)
    case array([GeneratedValue]), doubles([Double]), strings([String]), ints([Int])
    case dictionary([String: GeneratedValue]), optionals([String: Int?])
    case record(GeneratedRecord)
    case data(Data), url(URL), decimal(Decimal), date(Date)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let v): try container.encode(v)
        case .int8(let v): try container.encode(v)
        case .int16(let v): try container.encode(v)
        case .int32(let v): try container.encode(v)
        case .int64(let v): try container.encode(v)
        case .uint(let v): try container.encode(v)
        case .uint8(let v): try container.encode(v)
        case .uint16(let v): try container.encode(v)
        case .uint32(let v): try container.encode(v)
        case .uint64(let v): try container.encode(v)
        case .double(let v): try container.encode(v)
        case .float(let v): try container.encode(v)
        case .bool(let v): try container.encode(v)
        case .string(let v): try container.encode(v)
        case .null: try container.encodeNil()
        case .optional(let v): try container.encode(v)
        case .array(let v): try container.encode(v)
        case .doubles(let v): try container.encode(v)
        case .strings(let v): try container.encode(v)
        case .ints(let v): try container.encode(v)
        case .dictionary(let v): try container.encode(v)
        case .optionals(let v): try container.encode(v)
        case .record(let v): try container.encode(v)
        case .data(let v): try container.encode(v)
        case .url(let v): try container.encode(v)
        case .decimal(let v): try container.encode(v)
        case .date(let v): try container.encode(v)
        }
    }
}

/// A struct with synthesized `Encodable`: keyed-container calls for every scalar type, and
/// `encodeIfPresent` (a missing key) for its optionals.
struct GeneratedRecord: Encodable {
    var id: Int
    var name: String
    var score: Double
    var ratio: Float
    var active: Bool
    var count: UInt
    var offset: Int64
    var small: Int8
    var big: UInt64
    var note: String?
    var weight: Double?
    var tags: [String]
    var child: GeneratedValue?
    var children: [GeneratedValue]
    var flags: [String: Bool]
    var nested: Nested?
    var blob: Data?
    var link: URL?
    var amount: Decimal?
    var when: Date?

    struct Nested: Encodable {
        var label: String
        var values: [Double]
        var maybe: Int?
    }
}

/// SplitMix64: the same values for the same seed on every machine.
struct ValueGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ options: [T]) -> T { options[below(options.count)] }

    static let pieces: [String] = [
        "a", "Z", "0", " ", "/", "//", "\"", "\\", "\\/", "\n", "\r", "\t", "\u{8}", "\u{C}", "\u{0}", "\u{1}",
        "\u{1F}", "\u{7F}", "é", "ß", "日本", "😀", "👩‍👩‍👧", "e\u{301}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFD}",
        "</script>", "{\"k\":1}", "%2F", "+", "null", "true", "1e10", "-0", "\u{10FFFF}",
    ]

    mutating func string() -> String {
        (0..<below(6)).map { _ in chance(30) ? String(UnicodeScalar(UInt8(below(128)))) : pick(Self.pieces) }.joined()
    }

    mutating func double() -> Double {
        switch below(6) {
        case 0:
            return pick([
                0, -0.0, 1, -1, 0.1, 0.5, 2.5, 1.0 / 3, 100, 1e15, 1e16, 1e17, 1e20, 1e21, 1e-5, 1e-6, 1e-7,
                123_456_789.125, 9_007_199_254_740_993, -1e-300, 5e-324, .leastNormalMagnitude,
                .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .pi,
            ])
        case 1:
            return Double(Int64(bitPattern: next()) >> Int64(below(63)))  // whole numbers of every size
        case 2:
            return Double(below(1_000_000)) / Double(pick([1, 10, 100, 1000, 3, 7]))
        default:
            let bits = Double(bitPattern: next())
            return bits.isFinite ? bits : 0.25
        }
    }

    mutating func float() -> Float {
        switch below(3) {
        case 0:
            return pick([
                0, -0.0, 1, 0.1, 1.5, 1e20, 1e-20, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 16_777_217,
            ])
        case 1: return Float(below(100_000)) / Float(pick([1, 8, 10, 3]))
        default:
            let bits = Float(bitPattern: UInt32(truncatingIfNeeded: next()))
            return bits.isFinite ? bits : 0.75
        }
    }

    mutating func key() -> String {
        chance(70) ? pick(["id", "name", "a", "b", "", "x y", "k/v", "ключ"]) + "\(below(4))" : string()
    }

    mutating func dictionary<V>(_ element: (inout ValueGenerator) -> V) -> [String: V] {
        var result: [String: V] = [:]
        for _ in 0..<below(5) { result[key()] = element(&self) }
        return result
    }

    mutating func scalar() -> GeneratedValue {
        switch below(16) {
        case 0: return .int(pick([0, 1, -1, Int.min, Int.max, below(1000) - 500]))
        case 1: return .int8(Int8(truncatingIfNeeded: next()))
        case 2: return .int16(Int16(truncatingIfNeeded: next()))
        case 3: return .int32(Int32(truncatingIfNeeded: next()))
        case 4: return .int64(Int64(bitPattern: next()))
        case 5: return .uint(chance(20) ? .max : UInt(truncatingIfNeeded: next() >> UInt64(below(64))))
        case 6: return .uint8(UInt8(truncatingIfNeeded: next()))
        case 7: return .uint16(UInt16(truncatingIfNeeded: next()))
        case 8: return .uint32(UInt32(truncatingIfNeeded: next()))
        case 9: return .uint64(next())
        case 10, 11: return .double(double())
        case 12: return .float(float())
        case 13: return .bool(chance(50))
        case 14: return .null
        default: return .string(string())
        }
    }

    mutating func value(depth: Int) -> GeneratedValue {
        guard depth < 4, chance(45) else {
            switch below(12) {
            case 0: return .data(Data((0..<below(8)).map { _ in UInt8(truncatingIfNeeded: next()) }))
            case 1:
                return .url(
                    URL(
                        string: pick(["https://example.com/", "http://a/b?c=d#e", "file:///tmp/x%20y", "mailto:a@b.c"]))!
                )
            case 2:
                return .decimal(
                    Decimal(string: pick(["0", "-1.5", "3.14159", "1e-30", "123456789012345678901234567890"]))!)
            case 3: return .date(Date(timeIntervalSinceReferenceDate: double().truncatingRemainder(dividingBy: 1e12)))
            default: return scalar()
            }
        }
        switch below(9) {
        case 0, 1: return .array((0..<below(5)).map { _ in value(depth: depth + 1) })
        case 2, 3: return .dictionary(dictionary { $0.value(depth: depth + 1) })
        case 4: return .optional(chance(40) ? nil : value(depth: depth + 1))
        case 5: return .doubles((0..<below(6)).map { _ in double() })
        case 6:
            return chance(50)
                ? .strings((0..<below(4)).map { _ in string() }) : .ints((0..<below(4)).map { _ in below(99) })
        case 7: return .optionals(dictionary { $0.chance(50) ? nil : $0.below(10) })
        default: return .record(record(depth: depth + 1))
        }
    }

    mutating func record(depth: Int) -> GeneratedRecord {
        GeneratedRecord(
            id: Int(truncatingIfNeeded: next()), name: string(), score: double(), ratio: float(), active: chance(50),
            count: UInt(truncatingIfNeeded: next()), offset: Int64(bitPattern: next()),
            small: Int8(truncatingIfNeeded: next()),
            big: next(), note: chance(50) ? string() : nil, weight: chance(50) ? double() : nil,
            tags: (0..<below(3)).map { _ in string() },
            child: depth < 3 && chance(40) ? value(depth: depth + 1) : nil,
            children: depth < 3 ? (0..<below(3)).map { _ in value(depth: depth + 1) } : [],
            flags: dictionary { $0.chance(50) },
            nested: chance(50)
                ? .init(
                    label: string(), values: (0..<below(4)).map { _ in double() }, maybe: chance(50) ? below(9) : nil)
                : nil,
            blob: chance(20) ? Data([1, 2, 3, UInt8(below(256))]) : nil,
            link: chance(20) ? URL(string: "https://example.com/\(below(100))?q=a/b") : nil,
            amount: chance(20) ? Decimal(below(100_000)) / 100 : nil,
            when: chance(20) ? Date(timeIntervalSinceReferenceDate: Double(below(1_000_000)) / 8) : nil)
    }
}
