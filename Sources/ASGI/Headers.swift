/// An ordered list of HTTP header fields as byte strings, duplicates kept.
///
/// Request headers arrive with lower-cased names (ASGI). All fields share one byte buffer, so a
/// request's headers cost two allocations however many there are.
///
/// ```swift
/// var headers: Headers = [("content-type", "text/plain")]
/// headers.append(name: "x-request-id", value: "42")
/// headers["Content-Type"]   // "text/plain" (case-insensitive lookup)
/// ```
public struct Headers: Sendable, RandomAccessCollection, ExpressibleByArrayLiteral, Equatable {
    /// One header field: views into the shared buffer.
    public struct Field: Sendable, Equatable {
        public let name: ArraySlice<UInt8>
        public let value: ArraySlice<UInt8>
        /// The name as text (lossy for non-UTF-8 bytes).
        public var nameString: String { String(decoding: name, as: UTF8.self) }
        /// The value as text (lossy for non-UTF-8 bytes).
        public var valueString: String { String(decoding: value, as: UTF8.self) }
    }

    @usableFromInline struct Span: Sendable, Equatable {
        @usableFromInline var nameStart: Int32
        @usableFromInline var valueStart: Int32
        @usableFromInline var valueEnd: Int32
        @usableFromInline init(nameStart: Int32, valueStart: Int32, valueEnd: Int32) {
            self.nameStart = nameStart; self.valueStart = valueStart; self.valueEnd = valueEnd
        }
    }

    @usableFromInline var bytes: [UInt8]
    @usableFromInline var spans: [Span]

    public init() { bytes = []; spans = [] }

    /// Reserves room for `count` fields totalling `byteCount` bytes.
    public init(minimumCapacity count: Int, byteCount: Int) {
        bytes = []; bytes.reserveCapacity(byteCount)
        spans = []; spans.reserveCapacity(count)
    }

    public init(arrayLiteral elements: (String, String)...) {
        self.init()
        for (name, value) in elements { append(name: name, value: value) }
    }

    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { append(name: name, value: value) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { spans.count }

    public subscript(position: Int) -> Field {
        let span = spans[position]
        return Field(
            name: bytes[Int(span.nameStart)..<Int(span.valueStart)],
            value: bytes[Int(span.valueStart)..<Int(span.valueEnd)])
    }

    /// Appends a field. Names and values are stored as given; the server validates them on send.
    public mutating func append<Name: Collection<UInt8>, Value: Collection<UInt8>>(name: Name, value: Value) {
        let nameStart = Int32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: name)
        let valueStart = Int32(truncatingIfNeeded: bytes.count)
        bytes.append(contentsOf: value)
        spans.append(Span(nameStart: nameStart, valueStart: valueStart, valueEnd: Int32(truncatingIfNeeded: bytes.count)))
    }

    public mutating func append(name: String, value: String) {
        append(name: name.utf8, value: value.utf8)
    }

    /// Appends a field from raw memory (parser fast path).
    ///
    /// Copies with memcpy, once when `value` directly follows `name` in memory (the parser lays
    /// them out so): `append(contentsOf:)` of a raw buffer took the generic byte-by-byte path
    /// (~160 instructions for a short field), and each typed append still costs ~70 before its
    /// memcpy.
    @inlinable
    public mutating func appendRaw(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let nameStart = Int32(truncatingIfNeeded: bytes.count)
        let valueStart = nameStart &+ Int32(truncatingIfNeeded: name.count)
        if let start = name.baseAddress, start + name.count == value.baseAddress {
            bytes.append(
                contentsOf: UnsafeBufferPointer(
                    start: start.assumingMemoryBound(to: UInt8.self), count: name.count + value.count))
        } else {
            bytes.append(contentsOf: name.assumingMemoryBound(to: UInt8.self))
            bytes.append(contentsOf: value.assumingMemoryBound(to: UInt8.self))
        }
        spans.append(Span(nameStart: nameStart, valueStart: valueStart, valueEnd: Int32(truncatingIfNeeded: bytes.count)))
    }

    /// Empties the fields and keeps the buffers when nothing else holds them (when something
    /// does, as a copy made elsewhere, new buffers of the same capacity are made instead).
    package mutating func removeAllKeepingCapacity() {
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
    }

    /// Buffer capacity: bytes for the field text, fields for the index.
    package var capacity: (bytes: Int, fields: Int) { (bytes.capacity, spans.capacity) }

    /// The first value whose name matches `name` case-insensitively, as text.
    public subscript(name: String) -> String? {
        firstValue(name: name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every value of `name` (case-insensitive), in order.
    public func values(name: String) -> [String] {
        indices.compactMap { i in
            Headers.equalsIgnoringCase(self[i].name, name) ? self[i].valueString : nil
        }
    }

    /// The first value of `name` (case-insensitive) as bytes.
    public func firstValue(name: String) -> ArraySlice<UInt8>? {
        guard let index = firstIndex(name: name) else { return nil }
        let span = spans[index]
        return bytes[Int(span.valueStart)..<Int(span.valueEnd)]
    }

    /// The index of the first field named `name` (case-insensitive). Compares lengths first and
    /// then raw bytes: a lookup through `Field` slices and a String iterator cost ~450
    /// instructions per field, which several lookups per request (middleware asking for
    /// `content-encoding`, `content-type`...) turned into a tenth of a request's cost.
    public func firstIndex(name: String) -> Int? {
        var name = name
        return name.withUTF8 { key in
            bytes.withUnsafeBufferPointer { all in
                spans.withUnsafeBufferPointer { spans in
                    for index in spans.indices {
                        let span = spans[index]
                        let start = Int(span.nameStart), end = Int(span.valueStart)
                        guard end - start == key.count else { continue }
                        if Headers.equalsIgnoringCase(UnsafeBufferPointer(rebasing: all[start..<end]), key) { return index }
                    }
                    return nil
                }
            }
        }
    }

    /// Calls `body` with each field's name and value bytes, in order, while it returns true: one
    /// pass for a caller that looks for several names.
    @inlinable
    package func forEachField(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) {
        bytes.withUnsafeBufferPointer { all in
            spans.withUnsafeBufferPointer { spans in
                for span in spans {
                    let name = UnsafeBufferPointer(rebasing: all[Int(span.nameStart)..<Int(span.valueStart)])
                    let value = UnsafeBufferPointer(rebasing: all[Int(span.valueStart)..<Int(span.valueEnd)])
                    guard body(name, value) else { return }
                }
            }
        }
    }

    /// Whether a field named `name` (case-insensitive) exists.
    public func contains(name: String) -> Bool { firstIndex(name: name) != nil }

    /// Removes every field named `name` (case-insensitive).
    public mutating func remove(name: String) {
        guard firstIndex(name: name) != nil else { return }  // most calls: nothing to remove, nothing copied
        let kept = filter { !Headers.equalsIgnoringCase($0.name, name) }
        var copy = Headers()
        for field in kept { copy.append(name: field.name, value: field.value) }
        self = copy
    }

    /// Replaces every field named `name` by one field with `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        append(name: name, value: value)
    }

    /// ASCII case-insensitive comparison of header bytes with a name.
    public static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { key in
            guard bytes.count == key.count else { return false }
            if let equal = bytes.withContiguousStorageIfAvailable({ equalsIgnoringCase($0, key) }) { return equal }
            return zip(bytes, key).allSatisfy { lower($0) == lower($1) }
        }
    }

    /// ASCII case-insensitive comparison of two byte strings of any length.
    @inline(__always)
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == key.count else { return false }
        for index in 0..<bytes.count where lower(bytes[index]) != lower(key[index]) { return false }
        return true
    }

    @inlinable @inline(__always) package static func lower(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    public static func == (lhs: Headers, rhs: Headers) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0 == $1 }
    }
}

extension Headers: CustomStringConvertible {
    public var description: String {
        "[" + map { "(\($0.nameString): \($0.valueString))" }.joined(separator: ", ") + "]"
    }
}
