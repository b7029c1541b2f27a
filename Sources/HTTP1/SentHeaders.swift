import ASGI

/// Validates and writes application header fields, noting the ones the encoder would add.
struct SentHeaders {
    var contentLength: Int?
    var transferEncoding = false
    /// The last transfer coding is `chunked`.
    var chunked = false
    var connection = false
    var connectionClose = false
    var date = false
    var server = false

    /// Writes `name: value\r\n` for each field, refusing header injection. With
    /// `withoutTransferEncoding` (an HTTP/1.0 client, which knows no transfer codings) a
    /// transfer-encoding field is noted but not written.
    mutating func write(_ headers: Headers, withoutTransferEncoding: Bool = false, into writer: inout HeadWriter)
        throws(ASGIError)
    {
        // One pass over the fields' bytes in place: no slice per field (two references each)
        // and no closure per field.
        var failure: ASGIError?
        headers.forEachField { name, value in
            let name = UnsafeRawBufferPointer(name), value = UnsafeRawBufferPointer(value)
            do throws(ASGIError) {
                try Self.validate(name: name, value: value)
                try note(name: name, value: value)
            } catch {
                failure = error
                return false
            }
            if withoutTransferEncoding, name.count == 17, ByteClass.equalsLowercased(name, "transfer-encoding") {
                return true
            }
            writer.writeField(name, value)
            return true
        }
        if let failure { throw failure }
    }

    /// Trailer fields: validated and written, nothing noted.
    static func writeTrailers(_ headers: Headers, into writer: inout HeadWriter) throws(ASGIError) {
        for index in headers.indices {
            let field = headers[index]
            let failure = field.name.withUnsafeBytes { name -> ASGIError? in
                field.value.withUnsafeBytes { value -> ASGIError? in
                    do throws(ASGIError) { try validate(name: name, value: value) } catch { return error }
                    writer.writeField(name, value)
                    return nil
                }
            }
            if let failure { throw failure }
        }
    }

    static func validate(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(ASGIError) {
        guard !name.isEmpty else { throw .invalidHeader("empty header name") }
        guard ByteClass.tokenRunEnd(name, from: 0, to: name.count) == name.count else {
            throw .invalidHeader("invalid header name \"\(String(decoding: name, as: UTF8.self))\"")
        }
        if ByteClass.containsCRLFOrNUL(value) {
            throw .invalidHeader(
                "invalid character in the value of header \"\(String(decoding: name, as: UTF8.self))\"")
        }
    }

    private mutating func note(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(ASGIError) {
        switch name.count {
        case 4 where ByteClass.equalsLowercased(name, "date"):
            date = true
        case 6 where ByteClass.equalsLowercased(name, "server"):
            server = true
        case 10 where ByteClass.equalsLowercased(name, "connection"):
            connection = true
            if Self.containsToken(value, "close") { connectionClose = true }
        case 14 where ByteClass.equalsLowercased(name, "content-length"):
            guard let length = Self.parseLength(ByteClass.trimmed(value)) else {
                throw .protocolViolation("invalid content-length \"\(String(decoding: value, as: UTF8.self))\"")
            }
            if let contentLength, contentLength != length { throw .protocolViolation("conflicting content-length") }
            contentLength = length
        case 17 where ByteClass.equalsLowercased(name, "transfer-encoding"):
            transferEncoding = true
            chunked = Self.lastToken(value).map { ByteClass.equalsLowercased($0, "chunked") } ?? false
        default:
            break
        }
    }

    /// A decimal length: digits only, no sign, no overflow.
    static func parseLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var length = 0
        for byte in bytes {
            guard byte &- 48 < 10 else { return nil }
            let (times10, o1) = length.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte &- 48))
            guard !o1, !o2 else { return nil }
            length = sum
        }
        return length
    }

    /// Whether the comma-separated list `value` holds `token` (case-insensitive).
    static func containsToken(_ value: UnsafeRawBufferPointer, _ token: StaticString) -> Bool {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            let item = ByteClass.trimmed(UnsafeRawBufferPointer(rebasing: value[start..<end]))
            if ByteClass.equalsLowercased(item, token) { return true }
            start = end + 1
        }
        return false
    }

    /// The last element of a comma-separated list, trimmed.
    static func lastToken(_ value: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var start = value.count
        while start > 0, value[start - 1] != UInt8(ascii: ",") { start -= 1 }
        let item = ByteClass.trimmed(UnsafeRawBufferPointer(rebasing: value[start...]))
        return item.isEmpty ? nil : item
    }
}
