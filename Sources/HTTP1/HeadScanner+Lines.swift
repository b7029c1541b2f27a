extension HeadScanner {
    /// The line-at-a-time path, from a line start: takes every line that lies wholly in
    /// `bytes[start..<end]` and is plainly valid, with word-wide runs instead of a state switch
    /// per byte (the byte path cost ~29 instructions per byte). It stops, without having changed
    /// anything for that line, at the first line it does not take — cut by `end`, over a limit,
    /// or unusual in any way (leading empty lines, `HTTP/2.0`, a bad byte, ...) — and returns its
    /// start: the byte path then scans it and gives the exact verdict, so no rule lives twice.
    /// Returns after the blank line when the head is complete (`state == .complete`).
    mutating func scanLines(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, limits: ParserLimits)
        throws(HTTPParseError) -> Int
    {
        guard let base = bytes.baseAddress else { return start }
        let p = base.assumingMemoryBound(to: UInt8.self)
        var i = start
        if state == .lineStart {
            guard let next = requestLine(bytes, p, from: i, to: end, limits: limits) else { return i }
            i = next
        }
        while i < end {
            if p[i] == ByteClass.cr {
                guard i + 1 < end, p[i + 1] == ByteClass.lf else { return i }
                state = .complete
                return i + 2
            }
            guard let next = try fieldLine(bytes, p, from: i, to: end, limits: limits) else { return i }
            i = next
        }
        return i
    }

    /// `token SP visible+ SP "HTTP/1." DIGIT CRLF`; nil if that is not wholly there.
    @inline(__always)
    private mutating func requestLine(
        _ bytes: UnsafeRawBufferPointer, _ p: UnsafePointer<UInt8>, from start: Int, to end: Int, limits: ParserLimits
    ) -> Int? {
        var j = start
        while j < end, ByteClass.isTokenChar(p[j]) { j += 1 }
        guard j > start, j < end, p[j] == ByteClass.sp else { return nil }
        let targetStart = j + 1
        let targetEnd = ByteClass.visibleRunEnd(bytes, from: targetStart, to: end)
        let lineEnd = targetEnd + 11  // " HTTP/1.1\r\n"
        guard targetEnd > targetStart, targetEnd - targetStart <= limits.maxTargetLength, lineEnd <= end,
            p[targetEnd] == ByteClass.sp
        else { return nil }
        // "HTTP/1." and the minor digit in one load; "HTTP/1." is 0x2e312f50545448 little-endian.
        let version = UInt64(littleEndian: UnsafeRawPointer(p + targetEnd + 1).loadUnaligned(as: UInt64.self))
        let minor = UInt8(truncatingIfNeeded: version >> 56) &- 48
        guard version & 0x00ff_ffff_ffff_ffff == 0x002e_312f_5054_5448, minor < 10,
            p[lineEnd - 2] == ByteClass.cr, p[lineEnd - 1] == ByteClass.lf
        else { return nil }
        target.append(UnsafeRawBufferPointer(rebasing: bytes[targetStart..<targetEnd]))
        targetLength = targetEnd - targetStart
        if targetEnd - targetStart > 1, p[targetStart] == UInt8(ascii: "/") {
            // http-parser reads an origin-form target as `/`: it accepts every `/` + VCHAR*
            // (checked over all transitions of its URL states) and reports nothing from it, but
            // walks it at ~50 instructions a byte.
            forward.append(UnsafeRawBufferPointer(rebasing: bytes[start...targetStart]))
            forward.append(UnsafeRawBufferPointer(rebasing: bytes[targetEnd..<lineEnd]))
        } else {
            forward.append(UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd]))
        }
        versionMajor = 1
        versionMinor = Int(minor)
        state = .fieldStart
        return lineEnd
    }

    /// `token ":" field-value CRLF`; nil if that is not wholly there or the field is over a limit.
    @inline(__always)
    private mutating func fieldLine(
        _ bytes: UnsafeRawBufferPointer, _ p: UnsafePointer<UInt8>, from start: Int, to end: Int, limits: ParserLimits
    ) throws(HTTPParseError) -> Int? {
        guard headerCount < limits.maxHeaderCount else { return nil }
        let nameEnd = ByteClass.tokenRunEnd(bytes, from: start, to: end)
        guard nameEnd > start, nameEnd < end, p[nameEnd] == UInt8(ascii: ":") else { return nil }
        let valueStart = nameEnd + 1
        let valueEnd = ByteClass.fieldValueRunEnd(bytes, from: valueStart, to: end)
        guard valueEnd + 1 < end, p[valueEnd] == ByteClass.cr, p[valueEnd + 1] == ByteClass.lf else { return nil }
        headerCount &+= 1
        if mode == .request {
            name.removeAll()
            name.appendLowercased(UnsafeRawBufferPointer(rebasing: bytes[start..<nameEnd]), readable: end &- start)
            try finishField(value: UnsafeRawBufferPointer(rebasing: bytes[(nameEnd &+ 1)..<valueEnd]))
        }
        return valueEnd + 2
    }
}
