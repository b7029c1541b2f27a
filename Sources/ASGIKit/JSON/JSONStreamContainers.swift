/// The containers of ``JSONStreamEncoder``: each remembers which open container it writes to.
struct StreamKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONStreamEncoder
    let level: Int
    let id: Int

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func key(_ key: Key) throws {
        try encoder.beginElement(level: level, id: id)
        encoder.writeString(key.stringValue)
        encoder.bytes.append(UInt8(ascii: ":"))
    }

    mutating func encodeNil(forKey key: Key) throws { try self.key(key); encoder.append("null") }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try self.key(key); encoder.writeBool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try self.key(key); encoder.writeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try self.key(key); try encoder.writeFloat(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try self.key(key); try encoder.writeFloat(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try self.key(key); encoder.writeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try self.key(key)
        encoder.pushKey(key)
        defer { encoder.popKey() }
        try encoder.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        guard (try? self.key(key)) != nil else { return encoder.fail(NestedKey.self) }
        let (level, id) = encoder.open(object: true)
        return KeyedEncodingContainer(StreamKeyed<NestedKey>(encoder: encoder, level: level, id: id))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        guard (try? self.key(key)) != nil else { return StreamUnkeyed(encoder: encoder, level: -1, id: -1) }
        let (level, id) = encoder.open(object: false)
        return StreamUnkeyed(encoder: encoder, level: level, id: id)
    }

    mutating func superEncoder() -> any Encoder {
        encoder.markFailed()
        return encoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.markFailed()
        return encoder
    }
}

struct StreamUnkeyed: UnkeyedEncodingContainer {
    let encoder: JSONStreamEncoder
    let level: Int
    let id: Int

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { encoder.count(level: level, id: id) }

    private func element() throws { try encoder.beginElement(level: level, id: id) }

    mutating func encodeNil() throws { try element(); encoder.append("null") }
    mutating func encode(_ value: Bool) throws { try element(); encoder.writeBool(value) }
    mutating func encode(_ value: String) throws { try element(); encoder.writeString(value) }
    mutating func encode(_ value: Double) throws { try element(); try encoder.writeFloat(value) }
    mutating func encode(_ value: Float) throws { try element(); try encoder.writeFloat(value) }
    mutating func encode(_ value: Int) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try element(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try element(); encoder.writeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try element()
        encoder.pushKey(JSONIndexKey(index: index))
        defer { encoder.popKey() }
        try encoder.encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        guard (try? element()) != nil else { return encoder.fail(NestedKey.self) }
        let (level, id) = encoder.open(object: true)
        return KeyedEncodingContainer(StreamKeyed<NestedKey>(encoder: encoder, level: level, id: id))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        guard (try? element()) != nil else { return StreamUnkeyed(encoder: encoder, level: -1, id: -1) }
        let (level, id) = encoder.open(object: false)
        return StreamUnkeyed(encoder: encoder, level: level, id: id)
    }

    mutating func superEncoder() -> any Encoder {
        encoder.markFailed()
        return encoder
    }
}

struct StreamSingle: SingleValueEncodingContainer {
    let encoder: JSONStreamEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { try encoder.beginSingleValue(); encoder.append("null") }
    mutating func encode(_ value: Bool) throws { try encoder.beginSingleValue(); encoder.writeBool(value) }
    mutating func encode(_ value: String) throws { try encoder.beginSingleValue(); encoder.writeString(value) }
    mutating func encode(_ value: Double) throws { try encoder.beginSingleValue(); try encoder.writeFloat(value) }
    mutating func encode(_ value: Float) throws { try encoder.beginSingleValue(); try encoder.writeFloat(value) }
    mutating func encode(_ value: Int) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try encoder.beginSingleValue(); encoder.writeInteger(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.beginSingleValue()
        try encoder.encodeValue(value)
    }
}
