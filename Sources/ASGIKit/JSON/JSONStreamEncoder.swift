/// The fast `Encoder`: writes JSON bytes while the value encodes itself, with no tree in between.
///
/// A container opened by a value's `encode(to:)` is closed when that call returns (and a nested
/// container when its parent writes again), which is how synthesized `Codable` code, and almost
/// all hand-written code, uses containers. Anything else (writing to a nested container after its
/// parent moved on, `superEncoder()`) sets ``failed``, and ``JSON/encode(_:)`` starts over with
/// ``JSONTreeEncoder``, which accepts any order.
final class JSONStreamEncoder: Encoder {
    struct OutOfOrder: Error {}

    private struct Open {
        let id: Int
        let isObject: Bool
        var count = 0
    }

    private struct State {
        var bytes: [UInt8] = []
        /// Set when the containers were used in an order this encoder cannot stream.
        var failed = false
        var stack: [Open] = []
        var nextID = 0
        /// Containers at or above this index belong to the value being encoded.
        var valueBase = 0
        var keys: [any CodingKey] = []
    }

    // The state lives behind a pointer: stored properties of a class pay a dynamic exclusivity
    // check on every mutation, which measured at a third of the encoding time.
    private let state: UnsafeMutablePointer<State>

    init() {
        state = .allocate(capacity: 1)
        state.initialize(to: State())
        state.pointee.bytes.reserveCapacity(128)
        state.pointee.stack.reserveCapacity(8)
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    var bytes: [UInt8] {
        _read { yield state.pointee.bytes }
        _modify { yield &state.pointee.bytes }
    }
    var failed: Bool { state.pointee.failed }
    private var stack: [Open] {
        _read { yield state.pointee.stack }
        _modify { yield &state.pointee.stack }
    }
    private var nextID: Int {
        get { state.pointee.nextID }
        set { state.pointee.nextID = newValue }
    }
    private var valueBase: Int {
        get { state.pointee.valueBase }
        set { state.pointee.valueBase = newValue }
    }
    private var keys: [any CodingKey] {
        _read { yield state.pointee.keys }
        _modify { yield &state.pointee.keys }
    }

    var codingPath: [any CodingKey] { keys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    // MARK: - Values

    /// Writes any `Encodable` at the current position.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if let string = value as? String {
            writeString(string)
            return
        }
        switch JSONFoundationValue.of(value) {
        case .string(let text)?:
            writeString(text)
            return
        case .number(let text)?:
            bytes.append(contentsOf: text.utf8)
            return
        case nil:
            break
        }
        let savedBase = valueBase
        let start = bytes.count
        valueBase = stack.count
        try value.encode(to: self)
        if failed { throw OutOfOrder() }
        close(above: valueBase)
        if bytes.count == start { append("{}") }
        valueBase = savedBase
    }

    func writeString(_ value: String) {
        JSONWriter.appendString(value, to: &bytes)
    }

    @inline(__always) func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    func writeInteger<I: BinaryInteger>(_ value: I) {
        bytes.append(contentsOf: String(value).utf8)
    }

    func writeFloat<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: keys, debugDescription: "\(value) is not valid in JSON"))
        }
        value.appendJSON(to: &bytes)
    }

    func writeBool(_ value: Bool) { value ? append("true") : append("false") }

    // MARK: - Containers

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if stack.count > valueBase {
            // A second request within one encode(to:) shares the first container, as Foundation does.
            guard stack.count == valueBase + 1, stack[valueBase].isObject else { return fail(Key.self) }
            return KeyedEncodingContainer(StreamKeyed<Key>(encoder: self, level: valueBase, id: stack[valueBase].id))
        }
        let (level, id) = open(object: true)
        return KeyedEncodingContainer(StreamKeyed<Key>(encoder: self, level: level, id: id))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if stack.count > valueBase {
            guard stack.count == valueBase + 1, !stack[valueBase].isObject else {
                markFailed()
                return StreamUnkeyed(encoder: self, level: -1, id: -1)
            }
            return StreamUnkeyed(encoder: self, level: valueBase, id: stack[valueBase].id)
        }
        let (level, id) = open(object: false)
        return StreamUnkeyed(encoder: self, level: level, id: id)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        StreamSingle(encoder: self)
    }

    func open(object: Bool) -> (level: Int, id: Int) {
        nextID += 1
        stack.append(Open(id: nextID, isObject: object))
        object ? append("{") : append("[")
        return (stack.count - 1, nextID)
    }

    func fail<Key: CodingKey>(_ type: Key.Type) -> KeyedEncodingContainer<Key> {
        markFailed()
        return KeyedEncodingContainer(StreamKeyed<Key>(encoder: self, level: -1, id: -1))
    }

    private func close(above level: Int) {
        while stack.count > level {
            stack.removeLast().isObject ? append("}") : append("]")
        }
    }

    /// Before writing a member of the container at `level`: checks it is still open and belongs to
    /// the current value, closes nested containers it opened, writes the separator.
    func beginElement(level: Int, id: Int) throws {
        guard level >= valueBase, level < stack.count, stack[level].id == id else {
            markFailed()
            throw OutOfOrder()
        }
        close(above: level + 1)
        if stack[level].count > 0 { bytes.append(UInt8(ascii: ",")) }
        stack[level].count += 1
    }

    func count(level: Int, id: Int) -> Int {
        level >= 0 && level < stack.count && stack[level].id == id ? stack[level].count : 0
    }

    /// For a single value: only valid when the value opened nothing and wrote nothing yet.
    func beginSingleValue() throws {
        guard stack.count == valueBase else {
            markFailed()
            throw OutOfOrder()
        }
    }

    func pushKey(_ key: any CodingKey) { keys.append(key) }
    func popKey() { keys.removeLast() }

    func markFailed() { state.pointee.failed = true }
}
