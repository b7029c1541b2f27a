/// A small `Encoder` producing a ``JSONNode`` tree. Keyed containers keep their keys in encoding
/// order; the values come out as Foundation's `JSONEncoder` writes them (see ``JSON``).
final class JSONTreeEncoder: Encoder {
    private let parent: JSONTreeEncoder?
    private let key: (any CodingKey)?
    var node: JSONNode?

    init(parent: JSONTreeEncoder? = nil, key: (any CodingKey)? = nil) {
        self.parent = parent
        self.key = key
    }

    /// Computed on demand: keeping it costs an array per nested value.
    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var current: JSONTreeEncoder? = self
        while let encoder = current {
            if let key = encoder.key { path.append(key) }
            current = encoder.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: JSONObjectBox
        if case .object(let existing)? = node {
            box = existing
        } else {
            box = JSONObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(JSONKeyedContainer<Key>(encoder: self, box: box))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: JSONArrayBox
        if case .array(let existing)? = node {
            box = existing
        } else {
            box = JSONArrayBox()
            node = .array(box)
        }
        return JSONUnkeyedContainer(encoder: self, box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueContainer(encoder: self)
    }

    /// The node for any `Encodable`: strings and numbers directly, everything else through a
    /// child encoder.
    func encodeNested<T: Encodable>(_ value: T, key: (any CodingKey)?) throws -> JSONNode {
        if let string = value as? String { return .string(string) }
        switch JSONFoundationValue.of(value) {
        case .string(let text)?: return .string(text)
        case .number(let text)?: return .number(text)
        case nil: break
        }
        let child = JSONTreeEncoder(parent: self, key: key)
        try value.encode(to: child)
        return child.node ?? .object(JSONObjectBox())
    }
}

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONTreeEncoder
    let box: JSONObjectBox

    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { box.set(key.stringValue, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { box.set(key.stringValue, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { box.set(key.stringValue, .double(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { box.set(key.stringValue, .float(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { box.set(key.stringValue, .int(Int64(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { box.set(key.stringValue, .int(Int64(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { box.set(key.stringValue, .int(Int64(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { box.set(key.stringValue, .int(Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { box.set(key.stringValue, .int(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { box.set(key.stringValue, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { box.set(key.stringValue, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { box.set(key.stringValue, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { box.set(key.stringValue, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { box.set(key.stringValue, .uint(value)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.set(key.stringValue, try encoder.encodeNested(value, key: key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        box.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(encoder: JSONTreeEncoder(parent: encoder, key: key), box: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        box.set(key.stringValue, .array(nested))
        return JSONUnkeyedContainer(encoder: JSONTreeEncoder(parent: encoder, key: key), box: nested)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: JSONIndexKey(string: "super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key) }

    private func superEncoder(named key: any CodingKey) -> any Encoder {
        let child = JSONTreeEncoder(parent: encoder, key: key)
        box.set(key.stringValue, .deferred(child))
        return child
    }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: JSONTreeEncoder
    let box: JSONArrayBox

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { box.items.count }

    mutating func encodeNil() throws { box.items.append(.null) }
    mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { box.items.append(.double(value)) }
    mutating func encode(_ value: Float) throws { box.items.append(.float(value)) }
    mutating func encode(_ value: Int) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { box.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { box.items.append(.int(value)) }
    mutating func encode(_ value: UInt) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { box.items.append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { box.items.append(.uint(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        box.items.append(try encoder.encodeNested(value, key: JSONIndexKey(index: box.items.count)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        let key = JSONIndexKey(index: box.items.count)
        box.items.append(.object(nested))
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(encoder: JSONTreeEncoder(parent: encoder, key: key), box: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        let key = JSONIndexKey(index: box.items.count)
        box.items.append(.array(nested))
        return JSONUnkeyedContainer(encoder: JSONTreeEncoder(parent: encoder, key: key), box: nested)
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONTreeEncoder(parent: encoder, key: JSONIndexKey(index: box.items.count))
        box.items.append(.deferred(child))
        return child
    }
}

struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let encoder: JSONTreeEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.node = .double(value) }
    mutating func encode(_ value: Float) throws { encoder.node = .float(value) }
    mutating func encode(_ value: Int) throws { encoder.node = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .int(value) }
    mutating func encode(_ value: UInt) throws { encoder.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .uint(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.node = try encoder.encodeNested(value, key: nil)
    }
}

/// Array indices and `super` as coding keys.
struct JSONIndexKey: CodingKey {
    private let name: String?
    let intValue: Int?

    /// Built only when someone reads the coding path.
    var stringValue: String { name ?? "Index \(intValue ?? 0)" }

    init(string: String) { name = string; intValue = nil }
    init(index: Int) { name = nil; intValue = index }
    init?(stringValue: String) { self.init(string: stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}
