import ASGI
import CZlib
import Synchronization

/// One response through ``GZip``: holds `http.response.start` until the first body message
/// decides, then compresses the body messages or passes everything through.
final class GZipResponder: Sendable {
    private enum State {
        /// Nothing sent yet.
        case initial
        /// A compressible start, kept until the first body message.
        case held(status: Int, headers: Headers, trailers: Bool)
        /// Streaming compressed body messages.
        case compressing(GZipDeflater)
        /// Everything goes through as the application sends it.
        case passing
        /// The application returned while compressing: the stream is gone.
        case closed
    }

    private let settings: GZipSettings
    private let acceptsGzip: Bool
    private let downstream: Send
    private let state = Mutex<State>(.initial)

    init(_ settings: GZipSettings, acceptsGzip: Bool, send: @escaping Send) {
        self.settings = settings
        self.acceptsGzip = acceptsGzip
        downstream = send
    }

    /// What one application message becomes downstream: nothing (a start held back), itself or
    /// another message, or a start followed by a body. No array per message.
    private enum Emit {
        case none
        case one(SendEvent)
        case two(SendEvent, SendEvent)
    }

    /// The application's `send` (inlined into the closure the application gets: one async
    /// frame less per message).
    @inline(__always)
    func send(_ event: SendEvent) async throws {
        switch try state.withLock({ state in try step(&state, event) }) {
        case .none: break
        case .one(let event):
            try await downstream(event)
            await afterClosureCall()
        case .two(let first, let second):
            try await downstream(first)
            try await downstream(second)
            await afterClosureCall()
        }
    }

    /// Sends a start that no body message followed (the application returned after it).
    @inline(__always)
    func sendHeldStart() async throws {
        let start: SendEvent? = state.withLock { state in
            guard case .held(let status, let headers, let trailers) = state else { return nil }
            state = .passing
            return .responseStart(status: status, headers: headers, trailers: trailers)
        }
        if let start {
            try await downstream(start)
            await afterClosureCall()
        }
    }

    /// Frees the zlib stream, if one is open (the application returned or threw).
    func close() {
        state.withLock { state in
            if case .compressing = state { state = .closed }
        }
    }

    private func step(_ state: inout State, _ event: SendEvent) throws -> Emit {
        // On the state first, then the message: a switch over the pair copied both.
        switch state {
        case .initial:
            guard case .responseStart(let status, let headers, let trailers) = event else { return .one(event) }
            guard settings.mayCompress(status: status, headers: headers) else {
                state = .passing
                return .one(event)
            }
            state = .held(status: status, headers: headers, trailers: trailers)
            return .none

        case .held(let status, var headers, let trailers):
            state = .passing
            guard case .responseBody(let body, let moreBody) = event else {
                // Path send, or a message out of order (which the server then refuses): the start
                // as the application gave it, then the message.
                return .two(.responseStart(status: status, headers: headers, trailers: trailers), event)
            }
            if !moreBody && (body.isEmpty || body.count < settings.minimumSize) {
                return .two(.responseStart(status: status, headers: headers, trailers: trailers), event)
            }
            GZip.addVary(to: &headers)
            guard acceptsGzip, let deflater = GZipDeflater(level: settings.compressionLevel) else {
                return .two(.responseStart(status: status, headers: headers, trailers: trailers), event)
            }
            let compressed = deflater.compress(body, flush: flushMode(moreBody: moreBody))
            if moreBody { state = .compressing(deflater) }
            GZip.markEncoded(&headers, contentLength: moreBody ? nil : compressed.count)
            return .two(
                .responseStart(status: status, headers: headers, trailers: trailers),
                .responseBody(compressed, moreBody: moreBody))

        case .compressing(let deflater):
            guard case .responseBody(let body, let moreBody) = event else { return .one(event) }
            if !moreBody { state = .passing }
            return .one(.responseBody(deflater.compress(body, flush: flushMode(moreBody: moreBody)), moreBody: moreBody))

        case .closed:
            throw ASGIError.protocolViolation("'\(event.type)' after the application returned (its gzip stream is closed)")

        case .passing:
            return .one(event)
        }
    }

    private func flushMode(moreBody: Bool) -> GZipDeflater.Flush {
        moreBody ? (settings.flushesEveryMessage ? .sync : .none) : .finish
    }
}

/// One gzip stream (zlib with window bits 31: gzip header and trailer), ended (`deflateEnd`)
/// when its last reference goes.
final class GZipDeflater {
    enum Flush {
        /// zlib keeps what it has not yet put in a block.
        case none
        /// Everything so far is decodable (`Z_SYNC_FLUSH`).
        case sync
        /// The last input: the stream ends with the gzip trailer (`Z_FINISH`).
        case finish

        var zlibValue: Int32 {
            switch self {
            case .none: Z_NO_FLUSH
            case .sync: Z_SYNC_FLUSH
            case .finish: Z_FINISH
            }
        }
    }

    /// Streams open now, in the whole process.
    static let openCount = Atomic<Int>(0)
    /// zlib counts input in 32 bits: a larger message goes in steps of this many bytes.
    static let inputStep = 1 << 30
    /// zlib's default memory level (128 KiB of hash tables and buffers with the 32 KiB window).
    static let memoryLevel: Int32 = 8

    private let stream: UnsafeMutablePointer<z_stream>

    /// nil when zlib cannot start a stream (out of memory): the response then goes as it is.
    init?(level: Int32) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard swiftasgi_deflate_init2(stream, level, 15 + 16, Self.memoryLevel) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
        self.stream = stream
        Self.openCount.add(1, ordering: .relaxed)
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        Self.openCount.subtract(1, ordering: .relaxed)
    }

    /// Compresses `input` and returns what zlib has to send after it (`flush` says how much).
    func compress(_ input: [UInt8], flush: Flush) -> [UInt8] {
        var out: [UInt8] = []
        input.withUnsafeBufferPointer { input in
            var offset = 0
            repeat {
                let end = min(offset + Self.inputStep, input.count)
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: offset))
                stream.pointee.avail_in = uInt(end - offset)
                let mode = end == input.count ? flush.zlibValue : Z_NO_FLUSH
                // Room for all of it (deflateBound plus a flush marker), at most 64 KiB at first:
                // compressible input should not cost its size in memory.
                var room = min(Int(deflateBound(stream, uLong(end - offset))) + 16, 64 * 1024)
                var status = Z_OK
                repeat {
                    let chunk = [UInt8](unsafeUninitializedCapacity: room) { buffer, initialized in
                        stream.pointee.next_out = buffer.baseAddress
                        stream.pointee.avail_out = uInt(room)
                        status = deflate(stream, mode)
                        precondition(status == Z_OK || status == Z_BUF_ERROR || status == Z_STREAM_END, "deflate failed: \(status)")
                        initialized = room - Int(stream.pointee.avail_out)
                    }
                    if out.isEmpty { out = chunk } else { out.append(contentsOf: chunk) }
                    room = max(64 * 1024, out.count / 2)
                } while stream.pointee.avail_out == 0 && status != Z_STREAM_END
                offset = end
            } while offset < input.count
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        return out
    }
}
