public import ASGI

/// Writes HTTP/1.1 response heads, chunks and canned responses into byte buffers.
///
/// ```swift
/// var out: [UInt8] = []
/// let framing = try ResponseEncoder.encodeHead(
///     status: 200, headers: [("content-type", "text/plain")],
///     request: RequestInfo(isHead: false, versionMinor: 1, keepAlive: true),
///     bodyLength: 5, date: cachedDate, server: nil, into: &out)
/// out += "hello".utf8          // framing.body == .contentLength(5)
/// ```
public enum ResponseEncoder {
    /// Appends the status line and headers (ending with the blank line) to `buffer` and decides
    /// the framing.
    ///
    /// - `bodyLength`: the whole body's length when it is known now (one-shot response), nil when
    ///   streaming.
    /// - `date`, `server`: full header values, or nil to omit them.
    /// - `extraHeaders`: server-configured headers written after the app's, treated like them.
    ///
    /// App headers are written as given (`name: value`, case kept); `date`, `server`,
    /// `content-length` / `transfer-encoding` and `connection` are added (lower-case, after the
    /// app's) only if the app did not send them. Status 1xx, 204 and 304 and HEAD requests get no
    /// body; 1xx gets neither date, server nor connection. An HTTP/1.0 request never gets a
    /// transfer-encoding (the app's is dropped; the body is close-delimited or has a length). A
    /// HEAD answered with an empty one-shot body gets no content-length (the GET may be
    /// streamed). On a throw `buffer` is left unchanged.
    ///
    /// Throws `ASGIError.invalidHeader` for a name that is empty or not a token, or a value with
    /// CR, LF or NUL; `ASGIError.protocolViolation` for a status outside 100...999, an invalid or
    /// conflicting content-length, content-length with transfer-encoding, or a transfer-encoding
    /// that does not end with `chunked`; `ASGIError.contentLengthMismatch` when `bodyLength`
    /// differs from the app's content-length on a response that carries a body.
    public static func encodeHead(
        status: Int, headers: Headers, request: RequestInfo, bodyLength: Int?, date: [UInt8]?,
        server: [UInt8]?, extraHeaders: Headers? = nil, into buffer: inout [UInt8]
    ) throws(ASGIError) -> ResponseFraming {
        guard (100...999).contains(status) else { throw .protocolViolation("invalid status code \(status)") }
        let start = buffer.count
        do {
            return try HeadWriter.writing(into: &buffer) { (writer) throws(ASGIError) in
                try writeHead(
                    status: status, headers: headers, extraHeaders: extraHeaders, request: request,
                    bodyLength: bodyLength, date: date, server: server, into: &writer)
            }
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }

    private static func writeHead(
        status: Int, headers: Headers, extraHeaders: Headers?, request: RequestInfo, bodyLength: Int?,
        date: [UInt8]?, server: [UInt8]?, into writer: inout HeadWriter
    ) throws(ASGIError) -> ResponseFraming {
        writeStatusLine(status, into: &writer)
        var sent = SentHeaders()
        // HTTP/1.0 has no chunked coding: an application's transfer-encoding is not passed on.
        let chunkedAllowed = request.versionMinor >= 1
        try sent.write(headers, withoutTransferEncoding: !chunkedAllowed, into: &writer)
        if let extraHeaders { try sent.write(extraHeaders, withoutTransferEncoding: !chunkedAllowed, into: &writer) }

        let interim = status < 200
        if !interim {
            if let date, !sent.date { writer.writeField("date", date) }
            if let server, !sent.server { writer.writeField("server", server) }
        }
        let body: ResponseFraming.Body
        if interim || status == 204 || status == 304 {
            body = .none
        } else if request.isHead {
            body = .none
            // An empty one-shot body says nothing of the GET's length (that one may be streamed):
            // only a body the application did send gives a content-length.
            if sent.contentLength == nil, let bodyLength, bodyLength > 0 { writeContentLength(bodyLength, into: &writer) }
        } else {
            if sent.contentLength != nil, sent.transferEncoding {
                throw .protocolViolation("both content-length and transfer-encoding")
            }
            if sent.transferEncoding, !sent.chunked {
                throw .protocolViolation("transfer-encoding must end with chunked")
            }
            if let length = sent.contentLength {
                if let bodyLength, bodyLength != length {
                    throw .contentLengthMismatch("body of \(bodyLength) bytes but content-length \(length)")
                }
                body = .contentLength(length)
            } else if sent.chunked, chunkedAllowed {
                body = .chunked
            } else if let bodyLength {
                writeContentLength(bodyLength, into: &writer)
                body = .contentLength(bodyLength)
            } else if chunkedAllowed {
                writer.write("transfer-encoding: chunked\r\n")
                body = .chunked
            } else {
                body = .closeDelimited
            }
        }
        let keepAlive = request.keepAlive && !sent.connectionClose && body != .closeDelimited
        if !interim {
            if !keepAlive, !sent.connectionClose, request.versionMinor >= 1 || request.keepAlive {
                writer.write("connection: close\r\n")
            } else if keepAlive, request.versionMinor == 0, !sent.connection {
                writer.write("connection: keep-alive\r\n")
            }
        }
        writer.write("\r\n")
        return ResponseFraming(body: body, keepAlive: keepAlive)
    }

    /// `HTTP/1.1 404 Not Found\r\n`: the code's digits and its phrase from ``ReasonPhrase`` (a
    /// constant, no String built); an unregistered code gets an empty phrase.
    static func writeStatusLine(_ status: Int, into writer: inout HeadWriter) {
        if status == 200 {
            writer.write("HTTP/1.1 200 OK\r\n")  // constant length: inlined stores, no lookup
            return
        }
        writer.writeStatusLine(status, phrase: ReasonPhrase.of(status) ?? "")
    }

    @inline(__always)
    static func writeContentLength(_ length: Int, into writer: inout HeadWriter) {
        writer.write("content-length: ")
        writer.writeDecimalLine(length)
    }
}
