public import ASGI

extension ResponseEncoder {
    /// Appends one chunk, `<hex size>\r\n<data>\r\n`. An empty body writes nothing (an empty
    /// chunk would end the body).
    public static func encodeChunk(_ body: UnsafeRawBufferPointer, into buffer: inout [UInt8]) {
        guard !body.isEmpty else { return }
        buffer.appendHex(body.count)
        buffer.append("\r\n")
        buffer.appendBytes(body)
        buffer.append("\r\n")
    }

    /// Appends a chunk's size line (`<hex>\r\n`) only: the data (and the `\r\n` after it) go
    /// out separately, for a large chunk written without copying.
    public static func encodeChunkSize(_ count: Int, into buffer: inout [UInt8]) {
        buffer.appendHex(count)
        buffer.append("\r\n")
    }

    /// The `\r\n` that ends a chunk's data.
    public static let crlf: [UInt8] = [13, 10]

    /// Appends the last chunk, `0\r\n`, the trailer fields and the final `\r\n`.
    /// Throws `ASGIError.invalidHeader` for an invalid trailer field; `buffer` is then unchanged.
    public static func encodeLastChunk(trailers: Headers?, into buffer: inout [UInt8]) throws(ASGIError) {
        let start = buffer.count
        do {
            try HeadWriter.writing(into: &buffer) { (writer) throws(ASGIError) in
                writer.write("0\r\n")
                if let trailers { try SentHeaders.writeTrailers(trailers, into: &writer) }
                writer.write("\r\n")
            }
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }
}
