public import ASGI

/// What the server wrote, read as HTTP/1.1 messages (status line, fields, body framed by
/// `content-length`, `chunked` with trailers, or the connection's end).
final class ResponseReader {
    private var iterator: AsyncStream<[UInt8]>.Iterator
    private var buffer: [UInt8] = []
    private var start = 0
    private(set) var ended = false

    init(_ stream: AsyncStream<[UInt8]>) {
        iterator = stream.makeAsyncIterator()
    }

    /// The next status line and fields; 1xx interim responses are skipped.
    func readHead(requestMethod: String) async throws -> ResponseHead {
        while true {
            let line = try await readLine()
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
                throw TestClientError.malformedResponse("status line '\(line)'")
            }
            var headers = Headers()
            while true {
                let field = try await readLine()
                if field.isEmpty { break }
                guard let colon = field.firstIndex(of: ":") else {
                    throw TestClientError.malformedResponse("header line '\(field)'")
                }
                headers.append(
                    name: String(field[..<colon]).lowercased(),
                    value: String(field[field.index(after: colon)...].trimmingSpaces))
            }
            if (100...199).contains(status) && status != 101 { continue }
            let reason = parts.count > 2 ? String(parts[2]) : ""
            return ResponseHead(status: status, reason: reason, headers: headers, requestMethod: requestMethod)
        }
    }

    /// The body's pieces as they arrive, then the trailers (chunked framing only).
    func readBody(of head: ResponseHead, _ piece: ([UInt8]) async throws -> Void) async throws -> Headers {
        switch head.framing {
        case .none:
            return Headers()
        case .length(var remaining):
            while remaining > 0 {
                let bytes = try await readSome(max: remaining)
                remaining -= bytes.count
                try await piece(bytes)
            }
            return Headers()
        case .chunked:
            while true {
                let sizeLine = try await readLine()
                let digits = sizeLine.split(separator: ";").first.map { String($0.trimmingSpaces) } ?? ""
                guard let size = Int(digits, radix: 16), size >= 0 else {
                    throw TestClientError.malformedResponse("chunk size '\(sizeLine)'")
                }
                if size == 0 { break }
                var remaining = size
                while remaining > 0 {
                    let bytes = try await readSome(max: remaining)
                    remaining -= bytes.count
                    try await piece(bytes)
                }
                guard try await readLine().isEmpty else { throw TestClientError.malformedResponse("chunk without its CRLF") }
            }
            var trailers = Headers()
            while true {
                let field = try await readLine()
                if field.isEmpty { break }
                if let colon = field.firstIndex(of: ":") {
                    trailers.append(
                        name: String(field[..<colon]).lowercased(),
                        value: String(field[field.index(after: colon)...].trimmingSpaces))
                }
            }
            return trailers
        case .untilClose:
            while let bytes = try await readAvailable() { try await piece(bytes) }
            return Headers()
        }
    }

    /// Whatever is buffered or arrives next; nil at the end of the connection.
    func readAvailable() async throws -> [UInt8]? {
        if start < buffer.count {
            let bytes = Array(buffer[start...])
            buffer.removeAll(keepingCapacity: true)
            start = 0
            return bytes
        }
        guard let next = await iterator.next(isolation: #isolation) else {
            ended = true
            return nil
        }
        return next
    }

    private func readSome(max count: Int) async throws -> [UInt8] {
        if start >= buffer.count { try await fill() }
        let end = min(buffer.count, start + count)
        let bytes = Array(buffer[start..<end])
        start = end
        compact()
        return bytes
    }

    private func readLine() async throws -> String {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                compact()
                return line
            }
            try await fill()
        }
    }

    private func fill() async throws {
        guard let next = await iterator.next(isolation: #isolation) else {
            ended = true
            throw TestClientError.connectionClosed
        }
        buffer += next
    }

    private func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 65_536 {
            buffer.removeSubrange(..<start)
            start = 0
        }
    }
}

/// A response's status line and fields.
struct ResponseHead {
    enum Framing { case none, length(Int), chunked, untilClose }

    let status: Int
    let reason: String
    let headers: Headers
    let framing: Framing

    init(status: Int, reason: String, headers: Headers, requestMethod: String) {
        self.status = status
        self.reason = reason
        self.headers = headers
        if requestMethod == "HEAD" || status == 204 || status == 304 || status == 101 {
            framing = .none
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            framing = .chunked
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            framing = length == 0 ? .none : .length(length)
        } else {
            framing = .untilClose
        }
    }
}

/// What went wrong between the test client and the server.
public enum TestClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server closed the connection before the response was complete.
    case connectionClosed
    /// The server wrote something that is not HTTP/1.1.
    case malformedResponse(String)
    /// The client was shut down.
    case shutDown

    public var description: String {
        switch self {
        case .connectionClosed: "the server closed the connection before the response was complete"
        case .malformedResponse(let what): "malformed response: \(what)"
        case .shutDown: "the test client was shut down"
        }
    }
}
