import ASGI
import Glibc
import HTTP1
import UVLoop

extension Connection {
    // MARK: Writing (the exchange's only ways to this connection's buffers)

    /// Appends what `encode` writes to the response buffer, making `room` bytes of space first;
    /// on a throw the buffer is left as it was.
    @inline(__always)
    func appendResponse<T>(reserving room: Int = 0, _ encode: (inout [UInt8]) throws(ASGIError) -> T) throws(ASGIError) -> T {
        let mark = out.count
        if out.capacity == 0 { out = core.takeSpareOutput() }
        if room > 0, out.capacity - mark < room { out.reserveCapacity(mark + room) }
        do {
            return try encode(&out)
        } catch {
            out.removeSubrange(mark...)
            throw error
        }
    }

    /// Appends body bytes as they are (content-length or close-delimited framing).
    @inline(__always)
    func appendBody(_ bytes: [UInt8]) { out.append(contentsOf: bytes) }

    /// Appends body bytes as one chunk.
    @inline(__always)
    func appendChunk(_ bytes: [UInt8]) { bytes.withUnsafeBytes { ResponseEncoder.encodeChunk($0, into: &out) } }

    /// Appends a chunk's size line only (a large chunk's data goes out with ``writeNow(then:)``).
    func appendChunkSize(_ count: Int) { ResponseEncoder.encodeChunkSize(count, into: &out) }

    /// The application took the buffered body of `exchange`: reading may resume.
    func bodyTaken(by exchange: Exchange) {
        guard readPausedForBody, self.exchange === exchange else { return }
        readPausedForBody = false
        resumeReadingIfAllowed()
    }

    /// Queues the end-of-turn flush of `out`.
    @inline(__always)
    func scheduleFlush() {
        guard !flushScheduled, state != .closed else { return }
        flushScheduled = true
        core.loop.flushAtEndOfTurn(self)
    }

    /// Writes what is in `out` now.
    func flushNow() {
        guard state != .closed, !out.isEmpty, !sendingFile else { return }
        if let error = stream.write(&out) {
            core.logger.debug("write failed: \(error)")
            close()
            return
        }
        if exchange == nil && pending.isEmpty && stream.queuedWriteBytes == 0 {
            // Idle keep-alive connections hold no buffers: the loop keeps a few spare ones.
            core.keepSpareOutput(&out)
        } else if out.capacity > Self.keptOutputCapacity {
            // After a big response the buffer shrinks back.
            out = []
        }
    }

    /// Bytes accepted from the application and not yet in the kernel.
    var queuedBytes: Int { out.count + stream.queuedWriteBytes }

    /// Output buffer capacity kept between responses; more is given back after the write.
    static let keptOutputCapacity = 64 << 10
    /// Bodies from this size on are written from the application's array (no copy into `out`).
    static let zeroCopyThreshold = 16 << 10

    /// Writes what is in `out` and then `body` now, `body` without a copy: the write request
    /// keeps the array alive until the kernel has it all. Used for large body messages.
    func writeNow(then body: [UInt8]) {
        guard state != .closed else { return }
        precondition(!sendingFile, "a body written while a file is being sent")
        if let error = stream.write(&out, then: body) {
            core.logger.debug("write failed: \(error)")
            close()
            return
        }
        if out.capacity > Self.keptOutputCapacity { out = [] }
    }

    /// Sends `count` bytes of `file` from `offset` after what `out` holds, with sendfile(2), keeping
    /// `file` until done. `completion` runs once: nil when every byte is in the kernel, else the error
    /// (the connection is then closed). While the socket is full the send timeout runs, re-armed
    /// whenever bytes move. Not called when the connection is gone: `completion` is then dropped
    /// and the exchange learns from `connectionLost`.
    func sendFile(_ file: OpenedFile, offset: Int, count: Int, completion: @escaping (UVError?) -> Void) {
        guard state != .closed else { completion(.canceled); return }
        sendingFile = true
        let start = stream.sendFile(file, offset: offset, count: count, after: &out) { [self] event in
            switch event {
            case .progressed:
                armTimer(.send, after: core.config.timeoutSend)
            case .finished:
                fileSendEnded(nil, completion)
            case .failed(let error):
                fileSendEnded(error, completion)
            }
        }
        switch start {
        case .finished: fileSendEnded(nil, completion)
        case .failed(let error): fileSendEnded(error, completion)
        case .pending: armTimer(.send, after: core.config.timeoutSend)
        }
    }

    private func fileSendEnded(_ error: UVError?, _ completion: (UVError?) -> Void) {
        sendingFile = false
        if timerKind == .send { cancelTimer() }
        if let error {
            core.logger.debug("file send failed: \(error)")
            close()
        }
        completion(error)
        if error == nil { scheduleFlush() }
    }
}
