extension HeadScanner {
    /// Stores one field (request mode), notes the fields that decide the message framing, and
    /// copies the ones http-parser has to judge into `forward`. Throws on a second Content-Length
    /// (refused here, before http-parser sees the field, for a clear reason).
    ///
    /// What http-parser reads: the request line and the fields it acts on — Content-Length,
    /// Transfer-Encoding, Connection, Proxy-Connection, Upgrade (the only names its state machine
    /// matches) — as on the wire, then the blank line. Its method, version, flags, length and
    /// keep-alive verdict are exactly what the whole head would give: no other field changes
    /// them, and every other field has already passed this scanner's stricter syntax checks (a
    /// superset of what the non-strict library checks on them). It no longer walks the ~30
    /// instructions per byte of Host, User-Agent, cookies and the like a second time.
    mutating func finishField(value raw: UnsafeRawBufferPointer) throws(HTTPParseError) {
        guard mode == .request else { return }
        // The value goes right after the name in the scratch: Headers then copies both at once.
        let nameCount = self.name.count
        self.name.append(ByteClass.trimmed(raw))
        // The scratch's bytes are not mutated while `headers`, the counters and `forward` are.
        let field = self.name.unsafeBytes
        let name = UnsafeRawBufferPointer(rebasing: field[..<nameCount])
        let value = UnsafeRawBufferPointer(rebasing: field[nameCount...])
        headers!.appendRaw(name: name, value: value)
        fieldBytes &+= field.count
        switch name.count {
        case 14 where ByteClass.equalsLowercased(name, "content-length"):
            contentLengthCount += 1
            if contentLengthCount > 1 { throw .badRequest("duplicate Content-Length") }
        case 17 where ByteClass.equalsLowercased(name, "transfer-encoding"):
            transferEncodingCount += 1
            transferEncodingIsChunked = ByteClass.equalsLowercased(value, "chunked")
        case 10 where ByteClass.equalsLowercased(name, "connection"),
            16 where ByteClass.equalsLowercased(name, "proxy-connection"),
            7 where ByteClass.equalsLowercased(name, "upgrade"):
            break
        case 4 where ByteClass.equalsLowercased(name, "host"):
            // RFC 9112 §3.2: exactly one Host, and a valid one (checked for presence at the end).
            hostCount += 1
            if hostCount > 1 { throw .badRequest("more than one Host header") }
            guard Authority.isValid(value) else { throw .badRequest("invalid Host header") }
            return
        case 6 where ByteClass.equalsLowercased(name, "expect"):
            expectsContinue = ByteClass.equalsLowercased(value, "100-continue")
            return
        default:
            return
        }
        // Trimmed: http-parser would take a trailing HTAB as part of the value (RFC 9110 §5.5: it
        // is not), refusing `Content-Length: 5<HTAB>` and missing `Connection: close<HTAB>`.
        forwardedFieldCount &+= 1
        forward.append(name)
        forward.append(":")
        forward.append(value)
        forward.append("\r\n")
    }

    /// Framing rules of RFC 9112 §6 that http-parser does not enforce (or enforces too late).
    ///
    /// Transfer-Encoding must be exactly one field whose value is `chunked`: the server decodes no
    /// other transfer coding, and `gzip, chunked` would hand compressed bytes to the application,
    /// so it is refused like `gzip` or `identity` alone.
    func validateFraming() throws(HTTPParseError) {
        if contentLengthCount > 1 { throw .badRequest("duplicate Content-Length") }
        guard transferEncodingCount > 0 else { return }
        if versionMinor == 0 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
        if contentLengthCount > 0 { throw .badRequest("both Content-Length and Transfer-Encoding") }
        if transferEncodingCount > 1 || !transferEncodingIsChunked {
            throw .badRequest("unsupported Transfer-Encoding")
        }
    }
}
