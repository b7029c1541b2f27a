/// Serialises a ``JSONNode`` tree to compact UTF-8 JSON (no spaces, `/` not escaped, keys in
/// encoding order).
struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func write(_ node: JSONNode) throws {
        switch node {
        case .null: append("null")
        case .bool(let value): append(value ? "true" : "false")
        case .int(let value): append(String(value))
        case .uint(let value): append(String(value))
        case .float(let value):
            guard value.isFinite else { throw Self.nonFinite(value) }
            value.appendJSON(to: &bytes)
        case .double(let value):
            guard value.isFinite else { throw Self.nonFinite(value) }
            value.appendJSON(to: &bytes)
        case .number(let text): append(text)
        case .string(let value): writeString(value)
        case .array(let box):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in box.items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let box):
            bytes.append(UInt8(ascii: "{"))
            for index in box.keys.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(box.keys[index])
                bytes.append(UInt8(ascii: ":"))
                try write(box.values[index])
            }
            bytes.append(UInt8(ascii: "}"))
        case .deferred(let encoder):
            try write(encoder.node ?? .object(JSONObjectBox()))
        }
    }

    @inline(__always)
    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func writeString(_ value: String) {
        Self.appendString(value, to: &bytes)
    }

    /// A quoted string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`.
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        let done = value.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
            // Copy the runs between escapes whole.
            var runStart = 0
            for index in buffer.indices where needsEscape(buffer[index]) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
                appendEscaped(buffer[index], to: &bytes)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart...]))
            return true
        }
        if done == nil {
            value.makeContiguousUTF8()
            for byte in value.utf8 { appendEscaped(byte, to: &bytes) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func appendEscaped(_ byte: UInt8, to bytes: inout [UInt8]) {
        guard needsEscape(byte) else {
            bytes.append(byte)
            return
        }
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    private static func nonFinite(_ value: some FloatingPoint) -> EncodingError {
        EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "\(value) is not valid in JSON"))
    }
}
