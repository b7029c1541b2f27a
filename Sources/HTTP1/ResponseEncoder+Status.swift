public import ASGI

extension ResponseEncoder {
    /// `HTTP/1.1 100 Continue\r\n\r\n`, sent before reading a body the client is holding back.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A complete short error response: `content-type: text/plain; charset=utf-8`,
    /// `content-length`, `connection: close`, then `date` and `server` if given, and the body
    /// "<reason phrase>\n" (or `message` + "\n"). A status outside 100...999 becomes 500.
    ///
    /// ```swift
    /// let bytes = ResponseEncoder.errorResponse(status: error.status, date: date, server: nil)
    /// ```
    public static func errorResponse(
        status: Int, message: String? = nil, date: [UInt8]?, server: [UInt8]?, headers: Headers? = nil
    ) -> [UInt8] {
        let status = (100...999).contains(status) ? status : 500
        var body = (message ?? reasonPhrase(status)) + "\n"
        var out: [UInt8] = []
        out.reserveCapacity(160 + body.utf8.count)
        HeadWriter.writing(into: &out) { writer in
            writeStatusLine(status, into: &writer)
            writer.write("content-type: text/plain; charset=utf-8\r\n")
            writeContentLength(body.utf8.count, into: &writer)
            writer.write("connection: close\r\n")
            if let headers {
                // Server-chosen fields (e.g. `sec-websocket-version`), trusted: not validated here.
                for field in headers {
                    field.name.withUnsafeBytes { name in field.value.withUnsafeBytes { writer.writeField(name, $0) } }
                }
            }
            if let date { writer.writeField("date", date) }
            if let server { writer.writeField("server", server) }
            writer.write("\r\n")
        }
        body.withUTF8 { out.append(contentsOf: $0) }
        return out
    }

    /// The reason phrase of `status` ("OK", "Not Found", ...), "" for codes without one.
    public static func reasonPhrase(_ status: Int) -> String {
        guard let phrase = ReasonPhrase.of(status) else { return "" }
        return phrase.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
    }
}
