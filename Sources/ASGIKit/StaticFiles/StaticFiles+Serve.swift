import ASGI
import Glibc

extension StaticFiles {
    /// Answers with `file`: 304 when the client's copy is current, 206/416 for a range, else 200.
    func serve(_ file: FoundFile, status: Int, scope: Scope, send: Send, conditional: Bool = true) async throws {
        let etag = "\"\(String(file.modifiedSeconds, radix: 16))-\(String(file.size, radix: 16))\""
        let lastModified = HTTPDate.format(file.modifiedSeconds)
        var headers: Headers = [
            ("content-type", MediaTypes.type(forPath: file.path)), ("etag", etag),
            ("last-modified", lastModified), ("accept-ranges", "bytes"),
        ]
        if conditional, Self.notModified(scope.headers, etag: etag, modified: file.modifiedSeconds) {
            try await send(.responseStart(status: 304, headers: [("etag", etag), ("last-modified", lastModified)]))
            try await send(.responseBody([]))
            return
        }
        var part: Range<Int>?
        var answer = status
        if conditional, scope.method == "GET", let value = scope.headers["range"],
            Self.ifRangeAllows(scope.headers["if-range"], etag: etag, lastModified: lastModified)
        {
            switch ByteRange.parse(value, size: file.size) {
            case .whole:
                break
            case .unsatisfiable:
                try await send(
                    .responseStart(
                        status: 416,
                        headers: [
                            ("content-range", "bytes */\(file.size)"), ("content-type", "text/plain; charset=utf-8"),
                        ]))
                try await send(.responseBody(Array("Range Not Satisfiable".utf8)))
                return
            case .part(let range):
                part = range
                answer = 206
                headers.append(name: "content-range", value: "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(file.size)")
            }
        }
        if scope.extensions.contains("http.response.pathsend") {
            try await send(.responseStart(status: answer, headers: headers))
            try await send(.responsePathsend(path: file.path, range: part))
        } else {
            try await sendByReading(file, part: part ?? 0..<file.size, status: answer, headers: headers, send: send)
        }
    }

    /// Without path send: the file in 64 KiB reads on the pool, each sent as it comes.
    private func sendByReading(_ file: FoundFile, part: Range<Int>, status: Int, headers: Headers, send: Send) async throws {
        let descriptor = try await pool.run { open(file.path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else {
            try await sendSimple(send, status: 404, text: "Not Found")
            return
        }
        defer { close(descriptor) }
        var all = headers
        all.append(name: "content-length", value: String(part.count))
        try await send(.responseStart(status: status, headers: all))
        var offset = part.lowerBound
        repeat {
            let count = min(65_536, part.upperBound - offset)
            let start = offset
            let chunk = try await pool.run { () -> [UInt8] in
                var bytes = [UInt8](repeating: 0, count: count)
                let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(start)) }
                bytes.removeSubrange(max(read, 0)...)
                return bytes
            }
            guard chunk.count == count else { throw StaticFilesError(message: "\(file.path) got shorter while being sent") }
            offset += count
            try await send(.responseBody(chunk, moreBody: offset < part.upperBound))
        } while offset < part.upperBound
    }

    /// `if-none-match` decides when present (weak comparison); otherwise `if-modified-since`.
    static func notModified(_ headers: Headers, etag: String, modified: Int) -> Bool {
        if let match = headers["if-none-match"] {
            let wanted = etag.utf8.dropFirst(0)
            for candidate in match.split(separator: ",") {
                var tag = candidate.trimmingSpaces
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
                if tag.utf8.elementsEqual(wanted) { return true }
            }
            return false
        }
        if let since = headers["if-modified-since"], let date = HTTPDate.parse(since) {
            return modified <= date
        }
        return false
    }

    /// `if-range`: the range applies only when it names the current entity tag (strong) or date.
    static func ifRangeAllows(_ value: String?, etag: String, lastModified: String) -> Bool {
        guard let value = value?.trimmingSpaces else { return true }
        if value.hasPrefix("\"") { return value == etag[...] }
        return value == lastModified[...]
    }
}

/// A `range` header's meaning for a file of `size` bytes (one range; anything else is the whole file).
enum ByteRange: Equatable {
    case whole
    case part(Range<Int>)
    case unsatisfiable

    static func parse(_ header: String, size: Int) -> ByteRange {
        let value = header.trimmingSpaces
        guard value.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = value.dropFirst(6).trimmingSpaces
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingSpaces, last = spec[spec.index(after: dash)...].trimmingSpaces
        func number(_ text: Substring) -> Int? {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Int(text) ?? Int.max  // absurdly long numbers are "past the end"
        }
        if first.isEmpty {
            guard let suffix = number(last) else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .part(max(size - suffix, 0)..<size)
        }
        guard let start = number(first) else { return .whole }
        var end = size - 1
        if !last.isEmpty {
            guard let given = number(last) else { return .whole }
            guard given >= start else { return .whole }  // invalid: ignored
            end = min(given, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .part(start..<(end + 1))
    }
}
