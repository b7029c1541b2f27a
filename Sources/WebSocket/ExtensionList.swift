/// The extensions of `Sec-WebSocket-Extensions` header values (RFC 6455 §9.1):
///
///     extension-list = 1#extension
///     extension      = token *( ";" token [ "=" ( token / quoted-string ) ] )
///
/// with optional whitespace around the separators. Quoted values are unescaped. An element that
/// does not parse is kept as nil, so that a negotiation skips it (declines it) and goes on with
/// the others.
struct ExtensionList {
    struct Element: Equatable {
        var name: String
        var parameters: [Parameter]
    }

    struct Parameter: Equatable {
        var name: String
        var value: String?
    }

    /// The elements of all the values, in order.
    static func parse(_ values: [String]) -> [Element?] {
        var elements: [Element?] = []
        for value in values {
            for element in split(Array(value.utf8), on: UInt8(ascii: ",")) {
                let trimmed = trim(element)
                if trimmed.isEmpty { continue }  // `a, , b`: empty list elements do not count
                elements.append(parseElement(trimmed))
            }
        }
        return elements
    }

    private static func parseElement(_ bytes: ArraySlice<UInt8>) -> Element? {
        let parts = split(Array(bytes), on: UInt8(ascii: ";"))
        let name = trim(parts[0])
        guard isToken(name) else { return nil }
        var parameters: [Parameter] = []
        for part in parts.dropFirst() {
            let pair = trim(part)
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {  // a token name never holds one
                let key = trim(pair[..<equals])
                guard isToken(key), let value = parseValue(trim(pair[(equals + 1)...])) else { return nil }
                parameters.append(Parameter(name: String(decoding: key, as: UTF8.self), value: value))
            } else {
                guard isToken(pair) else { return nil }
                parameters.append(Parameter(name: String(decoding: pair, as: UTF8.self), value: nil))
            }
        }
        return Element(name: String(decoding: name, as: UTF8.self), parameters: parameters)
    }

    /// A token, or a quoted string whose unescaped content is a token (RFC 6455 §9.1).
    private static func parseValue(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.first == UInt8(ascii: "\"") else {
            return isToken(bytes) ? String(decoding: bytes, as: UTF8.self) : nil
        }
        var unescaped: [UInt8] = []
        var i = bytes.startIndex + 1
        while i < bytes.endIndex {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.endIndex else { return nil }
                unescaped.append(bytes[i])
            } else if byte == UInt8(ascii: "\"") {
                guard i == bytes.endIndex - 1, isToken(unescaped[...]) else { return nil }
                return String(decoding: unescaped, as: UTF8.self)
            } else {
                unescaped.append(byte)
            }
            i += 1
        }
        return nil  // no closing quote
    }

    /// `bytes` cut at every `separator` outside a quoted string.
    private static func split(_ bytes: [UInt8], on separator: UInt8) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = 0
        var quoted = false
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if quoted && byte == UInt8(ascii: "\\") {
                i += 1
            } else if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted && byte == separator {
                parts.append(bytes[start..<i])
                start = i + 1
            }
            i += 1
        }
        parts.append(bytes[start..<bytes.count])
        return parts
    }

    static func trim(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 || first == 0x09 { slice.removeFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice.removeLast() }
        return slice
    }

    /// RFC 9110 token: one or more of ALPHA, DIGIT and ``!#$%&'*+-.^_`|~``.
    static func isToken(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty
            && bytes.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }
}
