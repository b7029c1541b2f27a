import Testing

@testable import WebSocket

/// What the reader and the zlib streams hold, and deflate bombs.
@Suite struct MemoryTests {
    /// The heap block of an object (its instance and malloc's rounding).
    static func heapSize(_ object: AnyObject) -> Int {
        mallocUsableSize(Unmanaged.passUnretained(object).toOpaque())
    }

    @Test("an idle reader is one small object and holds no buffer, before and after messages")
    func idleReader() throws {
        let reader = FrameReader(role: .server, maxMessageSize: 1 << 20)
        let size = Self.heapSize(reader)
        print("idle FrameReader: \(size) bytes (malloc block)")
        #expect(size <= 256)
        #expect(reader.bufferedBytes == 0)
        let bytes =
            frame(.binary, Array(repeating: 1, count: 100_000)) + text("x", fin: false) + frame(.ping, [1])
            + frame(.continuation, [0x79]) + close(1000)
        _ = try reader.feed(bytes.prefix(bytes.count - close(1000).count)) { _ in true }
        #expect(reader.bufferedBytes == 0)
    }

    @Test("a partial message is counted, and released once delivered")
    func partialMessage() throws {
        let reader = FrameReader(role: .server, maxMessageSize: 1 << 20)
        let bytes = frame(.binary, Array(repeating: 1, count: 5000))
        _ = try reader.feed(bytes.prefix(3000)) { _ in true }
        #expect(reader.bufferedBytes >= 3000 - 8)
        _ = try reader.feed(bytes.dropFirst(3000)) { _ in true }
        #expect(reader.bufferedBytes == 0)
        _ = try reader.feed([0x82, 0xFE, 0x13]) { _ in true }  // a partial header
        #expect(reader.bufferedBytes == 3)
    }

    @Test("zlib memory per stream with the default 12-bit windows and memLevel 5")
    func zlibMemory() throws {
        let payload = DeflateData.json.message(50_000)
        for bits in [9, 12, 15] {
            let parameters = DeflateParameters(serverMaxWindowBits: bits, clientMaxWindowBits: bits)
            let pair = DeflatePair(parameters)
            _ = try pair.roundTrip(.text, payload)
            let deflate = pair.serverCompressor.memoryInUse
            let reader = Decompressor(parameters: parameters, role: .server, maxSize: 1 << 20)
            var out: [UInt8] = []
            let compressed = Compressor(parameters: parameters, role: .client).compress(payload)
            var result: Result<Void, WebSocketError> = .success(())
            compressed.withUnsafeBytes { bytes in
                result = Result { () throws(WebSocketError) in try reader.inflate(bytes, into: &out, limit: 1 << 20) }
            }
            try result.get()
            try reader.finishMessage(into: &out, limit: 1 << 20)
            #expect(out == payload)
            print("zlib, \(bits)-bit window: deflate \(deflate) bytes, inflate \(reader.memoryInUse) bytes")
            #expect(deflate < (1 << (bits + 2)) + (1 << 14) + 8192)
            #expect(reader.memoryInUse < (1 << bits) + 8192)
        }
    }

    @Test("a deflate bomb (16 MiB of zeros in one message) fails with 1009 at the limit, holding at most it")
    func bomb() throws {
        let parameters = DeflateParameters()
        let compressor = Compressor(parameters: parameters, role: .client)
        let zeros = [UInt8](repeating: 0, count: 16 << 20)
        let compressed = compressor.compress(zeros)
        #expect(compressed.count < 20_000)
        let limit = 1 << 20
        let bytes = DeflatePair.frames(.binary, compressed: compressed, fragment: 0, masked: true)
        let reader = ReaderSetup(maxMessageSize: limit, deflate: parameters).make()
        var largest = 0
        var error: WebSocketError?
        for start in stride(from: 0, to: bytes.count, by: 512) {
            do {
                _ = try reader.feed(bytes[start..<min(start + 512, bytes.count)]) { _ in true }
                largest = max(largest, reader.bufferedBytes)
            } catch let thrown {
                error = thrown
                break
            }
        }
        #expect(error?.closeCode == 1009)
        #expect(largest <= limit + limit / 2)
        #expect(reader.bufferedBytes == 0)
    }

    @Test("a bomb spread over many small fragments, and one within the decompressor's own limit")
    func fragmentedBomb() throws {
        let parameters = DeflateParameters()
        let compressed = Compressor(parameters: parameters, role: .client).compress(
            [UInt8](repeating: 7, count: 4 << 20))
        let bytes = DeflatePair.frames(.text, compressed: compressed, fragment: 10, masked: true)
        #expect(code(read(bytes, ReaderSetup(maxMessageSize: 100_000, deflate: parameters))) == 1009)
        let reader = FrameReader(
            role: .server, maxMessageSize: 1 << 30,
            decompressor: Decompressor(parameters: parameters, role: .server, maxSize: 4096))
        #expect(throws: WebSocketError.messageTooBig) {
            _ = try reader.feed(bytes) { _ in true }
        }
    }

    @Test("zlib deflates a requested 8-bit window with 9 bits, but never reaches past 256 bytes")
    func window8() throws {
        // Repeats 300 to 500 bytes apart: a 512-byte window would match them, a 256-byte one not.
        var random = SplitMix64(seed: 8)
        var payload: [UInt8] = []
        let block = random.bytes(400)
        for _ in 0..<50 { payload += block + random.bytes(random.below(100)) }
        let parameters = DeflateParameters(serverMaxWindowBits: 8, clientMaxWindowBits: 8)
        let compressed = Compressor(parameters: parameters, role: .server).compress(payload)
        // Inflate with a true 256-byte window (not the 9 bits our Decompressor would use).
        #expect(RawInflate.inflate(compressed + [0, 0, 0xFF, 0xFF], windowBits: 8) == payload)
        #expect(
            RawInflate.inflate(
                Compressor(parameters: DeflateParameters(serverMaxWindowBits: 9), role: .server).compress(payload) + [
                    0, 0, 0xFF, 0xFF,
                ], windowBits: 8) == payload)
    }
}

/// glibc's `malloc_usable_size` (declared in <malloc.h>, which the Glibc module leaves out).
@_silgen_name("malloc_usable_size")
func mallocUsableSize(_ pointer: UnsafeMutableRawPointer?) -> Int
