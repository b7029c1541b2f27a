import ASGI
import Glibc
import HTTP1
import UVLoop

extension Exchange {
    /// `send`: validates the message order, encodes head and body into the connection's output
    /// buffer, and suspends only while more than the write high-water mark is queued (or, for
    /// `http.response.pathsend`, until the file is in the kernel).
    func send(_ event: SendEvent) async throws(ASGIError) {
        if case .responsePathsend(let path, let range) = event {
            try checkSendable()
            try await sendFile(at: path, range: range)
            return
        }
        try sendNow(event)
        if needsWriteRoom { try await waitForWriteRoom() }
    }

    /// Whether a `send` must wait before it returns: more than the write high-water mark queued.
    var needsWriteRoom: Bool { connection.queuedBytes > connection.core.config.writeHighWaterMark }

    private func checkSendable() throws(ASGIError) {
        assert(connection.core.loop.isInLoopThread, "Exchange.send off the loop thread")
        if lost { throw ASGIError.disconnected() }
        if writeWaiter != nil { throw concurrentUse("send") }
    }

    /// The part of `send` that never waits: every message but `http.response.pathsend`.
    func sendNow(_ event: SendEvent) throws(ASGIError) {
        try checkSendable()
        switch event {
        case .responseStart(let status, let headers, let trailers):
            guard case .initial = response else {
                throw ASGIError.protocolViolation("'http.response.start' sent twice")
            }
            guard (200...599).contains(status) else {
                throw ASGIError.protocolViolation("response status \(status) is not a final status (200-599)")
            }
            self.status = status
            heldHeaders = headers
            trailersAnnounced = trailers
            response = .held
        case .responseBody(let bytes, let moreBody):
            try writeBody(bytes, moreBody: moreBody)
        case .responseTrailers(let headers, let moreTrailers):
            guard case .awaitingTrailers = response else {
                throw ASGIError.protocolViolation("'http.response.trailers' without 'trailers: true' or before the body ended")
            }
            for field in headers { trailerFields.append(name: field.name, value: field.value) }
            if !moreTrailers {
                let collected = trailerFields
                if framing.body == .chunked {
                    try connection.appendResponse { (out) throws(ASGIError) in
                        try ResponseEncoder.encodeLastChunk(trailers: collected, into: &out)
                    }
                }
                finishResponse()
            }
        default:
            throw ASGIError.protocolViolation("'\(event.type)' is not an HTTP response message")
        }
    }

    private func writeBody(_ bytes: [UInt8], moreBody: Bool) throws(ASGIError) {
        switch response {
        case .initial:
            throw ASGIError.protocolViolation("'http.response.body' before 'http.response.start'")
        case .held:
            let trailers = trailersAnnounced
            let oneShot = !moreBody && !trailers
            // A one-shot answer to a request whose body was not read ends the connection: say so.
            // One allocation for head and body (the buffer starts empty on a fresh connection).
            try encodeHeldHead(
                bodyLength: oneShot ? bytes.count : nil, mayKeepAlive: messageComplete || !oneShot,
                reserving: oneShot && bytes.count < Connection.zeroCopyThreshold ? bytes.count : 0)
            response = .streaming
            try appendBody(bytes, moreBody: moreBody, trailers: trailers)
        case .streaming:
            try appendBody(bytes, moreBody: moreBody, trailers: trailersAnnounced)
        case .awaitingTrailers, .complete, .sendingFile:
            throw ASGIError.protocolViolation("'http.response.body' after the response body ended")
        case .openingFile:
            throw concurrentUse("send")
        }
    }

    private func appendBody(_ bytes: [UInt8], moreBody: Bool, trailers: Bool) throws(ASGIError) {
        switch framing.body {
        case .none:
            break  // HEAD, 204, 304: the body is not sent
        case .contentLength(let length):
            bodyBytesSent += bytes.count
            if bodyBytesSent > length {
                connection.endTruncated()
                throw ASGIError.contentLengthMismatch("response body is longer than its content-length (\(length))")
            }
            appendOrWrite(bytes)
        case .chunked:
            bodyBytesSent += bytes.count
            appendOrWrite(bytes, chunked: true)
        case .closeDelimited:
            bodyBytesSent += bytes.count
            appendOrWrite(bytes)
        }
        connection.scheduleFlush()
        guard !moreBody else { return }
        if case .contentLength(let length) = framing.body, bodyBytesSent < length {
            connection.endTruncated()
            throw ASGIError.contentLengthMismatch("response body ended after \(bodyBytesSent) of \(length) bytes")
        }
        if case .chunked = framing.body {
            if trailers {
                response = .awaitingTrailers
                return
            }
            try? connection.appendResponse { (out) throws(ASGIError) in
                try ResponseEncoder.encodeLastChunk(trailers: nil, into: &out)
            }
        } else if trailers {
            // Trailers need chunked framing; without it they are dropped, as the spec allows.
            response = .awaitingTrailers
            return
        }
        finishResponse()
    }

    /// A small body is copied into the connection's buffer (one write per turn for many
    /// responses); a large one is written at once from the application's array. `chunked`: as
    /// one chunk (size line and CRLF around the bytes); an empty message adds nothing.
    @inline(__always)
    private func appendOrWrite(_ bytes: [UInt8], chunked: Bool = false) {
        if bytes.count >= Connection.zeroCopyThreshold {
            if chunked { connection.appendChunkSize(bytes.count) }
            connection.writeNow(then: bytes)
            if chunked { connection.appendBody(ResponseEncoder.crlf) }
        } else if chunked {
            if !bytes.isEmpty { connection.appendChunk(bytes) }
        } else {
            connection.appendBody(bytes)
        }
    }

    /// `http.response.pathsend`: opens the file off the loop, writes the head with the file's
    /// length, then the file with sendfile; returns when all of it is in the kernel.
    private func sendFile(at path: String, range: Range<Int>?) async throws(ASGIError) {
        guard case .held = response else {
            if case .initial = response { throw ASGIError.protocolViolation("'http.response.pathsend' before 'http.response.start'") }
            throw ASGIError.protocolViolation("'http.response.pathsend' after the response body started")
        }
        guard path.hasPrefix("/") else {
            throw ASGIError.protocolViolation("'http.response.pathsend' needs an absolute path, got '\(path)'")
        }
        response = .openingFile
        let opened = await connection.core.openFiles.open(path)
        let file: OpenedFile
        switch opened {
        case .success(let value): file = value
        case .failure(let error):
            response = .held
            if lost { throw ASGIError.disconnected() }
            throw ASGIError.fileUnavailable("cannot send \(path): \(error.message)")
        }
        let part = range ?? 0..<file.size
        guard part.lowerBound >= 0, part.upperBound <= file.size else {
            response = .held
            throw ASGIError.fileUnavailable("range \(part) is outside \(path) (\(file.size) bytes)")
        }
        if lost { throw ASGIError.disconnected() }
        do {
            try encodeHeldHead(bodyLength: part.count, mayKeepAlive: messageComplete)
        } catch {
            response = .held
            throw error
        }
        response = .sendingFile
        if framing.body != .none && !part.isEmpty {  // HEAD, 204, 304, an empty file: the head is all
            bodyBytesSent = part.count
            var failure: UVError?
            var done = false
            connection.sendFile(file, offset: part.lowerBound, count: part.count) { [self] error in
                failure = error
                done = true
                if let waiter = writeWaiter {
                    writeWaiter = nil
                    waiter.resume()
                }
            }
            while !done && !lost {
                await withUnsafeContinuation { writeWaiter = $0 }
            }
            if let failure, failure != .canceled {
                throw ASGIError.fileUnavailable("sending \(path) failed: \(failure.message)")
            }
            if !done || lost { throw ASGIError.disconnected() }
        }
        if trailersAnnounced {
            response = .awaitingTrailers
            return
        }
        finishResponse()
    }

    /// Encodes the status line and the held headers into the connection's buffer and sets
    /// `framing` (`bodyLength` nil: chunked or close-delimited, as the request allows);
    /// `mayKeepAlive` false ends the connection after this response. `reserving`: body bytes
    /// that will follow in the same buffer.
    private func encodeHeldHead(bodyLength: Int?, mayKeepAlive: Bool, reserving: Int = 0) throws(ASGIError) {
        // Taken, not copied: the held headers end here.
        var headers = Headers()
        swap(&headers, &heldHeaders)
        let info = RequestInfo(
            isHead: request.isHead, versionMinor: request.versionMinor,
            keepAlive: request.keepAlive && connection.keepAlive && !connection.core.isShuttingDown && mayKeepAlive)
        let core = connection.core
        do {
            framing = try connection.appendResponse(reserving: 384 + reserving) { (out) throws(ASGIError) in
                try ResponseEncoder.encodeHead(
                    status: status, headers: headers, request: info, bodyLength: bodyLength,
                    date: core.dateHeaderValue, server: core.serverHeaderValue,
                    extraHeaders: core.defaultHeaders, into: &out)
            }
        } catch {
            swap(&headers, &heldHeaders)  // still held, as before the attempt
            throw error
        }
    }

    private func finishResponse() {
        response = .complete
        connection.scheduleFlush()
        connection.responseDone(self, keepAlive: framing.keepAlive && framing.body != .closeDelimited)
        wakeReceiver()
    }

    /// Suspends while more than the high-water mark is queued for the socket.
    func waitForWriteRoom() async throws(ASGIError) {
        guard needsWriteRoom else { return }
        connection.flushNow()
        while !lost && needsWriteRoom {
            connection.clientWaitBegan(.send)
            await withUnsafeContinuation { writeWaiter = $0 }
        }
        connection.clientWaitEnded(.send, bodyWaitPending: waitingForBody)
        if lost && !responseComplete { throw ASGIError.disconnected() }
    }
}
