public import ASGI

extension Response {
    /// Sends this response through ASGI `send`. A bytes body is one `http.response.body`
    /// (`content-length`, one write); a stream is one body message per chunk with `moreBody`
    /// true, then an empty final one. For a stream, the first chunk is produced before
    /// `http.response.start` is sent, so an early failure can still become `onEarlyError`'s answer.
    public func send(
        to send: Send, onEarlyError: (any Error) -> Response = { Response(error: $0) }
    ) async throws {
        switch body {
        case .bytes(let bytes):
            try await send(.responseStart(status: status, headers: headers))
            try await send(.responseBody(bytes, moreBody: false))
            await afterClosureCall()
        case .stream(let source):
            let next = source.open()
            let first: [UInt8]?
            do { first = try await next() } catch {
                let fallback = onEarlyError(error)
                guard case .bytes = fallback.body else { throw error }
                try await fallback.send(to: send)
                return
            }
            try await send(.responseStart(status: status, headers: headers))
            var chunk = first
            while let bytes = chunk {
                if !bytes.isEmpty { try await send(.responseBody(bytes, moreBody: true)) }
                chunk = try await next()
            }
            try await send(.responseBody([], moreBody: false))
            await afterClosureCall()
        }
    }
}
