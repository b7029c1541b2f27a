import CZlib

/// zlib's raw inflate with a window of exactly `windowBits`, independent of `Decompressor` (which
/// never goes below 9 bits): to show that our 8-bit output fits a 256-byte window.
enum RawInflate {
    static func inflate(_ input: [UInt8], windowBits: Int32) -> [UInt8]? {
        var stream = z_stream()
        guard swiftasgi_inflate_init2(&stream, -windowBits) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = input
        var output = [UInt8](repeating: 0, count: 1 << 20)
        let status = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                return CZlib.inflate(&stream, Z_SYNC_FLUSH)
            }
        }
        guard status == Z_OK || status == Z_STREAM_END, stream.avail_in == 0 else { return nil }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
