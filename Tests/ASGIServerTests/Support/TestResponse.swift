import Foundation

/// A parsed HTTP response, as a test sees it.
struct TestResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    var trailers: [(String, String)] = []
    var chunked = false
    var raw: [UInt8] = []

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// Incremental response parser for the tests (independent of the server's own code).
struct ResponseReader {
    var buffer: [UInt8] = []
    let isHeadRequest: Bool

    init(isHeadRequest: Bool) { self.isHeadRequest = isHeadRequest }

    /// Chunks already decoded of the response being read: the buffer only grows at its end until
    /// a response is returned, so a large chunked body is decoded once, not at every read.
    private var chunkProgress: (position: Int, body: [UInt8])?

    private func find(_ pattern: [UInt8], from: Int) -> Int? {
        guard buffer.count >= pattern.count + from else { return nil }
        var i = from
        outer: while i + pattern.count <= buffer.count {
            for k in 0..<pattern.count where buffer[i + k] != pattern[k] {
                i += 1
                continue outer
            }
            return i
        }
        return nil
    }

    mutating func next() throws -> TestResponse? {
        guard let end = find([13, 10, 13, 10], from: 0) else { return nil }
        let headText = String(decoding: buffer[..<end], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestClientError("bad status line: \(headText)") }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestClientError("bad header line: \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        let bodyStart = end + 4
        let noBody = isHeadRequest || status == 204 || status == 304 || (100..<200).contains(status)
        if noBody {
            response.raw = Array(buffer[..<bodyStart])
            buffer.removeFirst(bodyStart)
            return response
        }
        if let length = response.header("content-length").flatMap({ Int($0) }) {
            guard buffer.count >= bodyStart + length else { return nil }
            response.body = Array(buffer[bodyStart..<bodyStart + length])
            response.raw = Array(buffer[..<(bodyStart + length)])
            buffer.removeFirst(bodyStart + length)
            return response
        }
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            response.chunked = true
            var position = chunkProgress?.position ?? bodyStart
            var body = chunkProgress?.body ?? []
            chunkProgress = nil
            while true {
                guard let lineEnd = find([13, 10], from: position) else {
                    chunkProgress = (position, body)
                    return nil
                }
                let sizeText = String(decoding: buffer[position..<lineEnd], as: UTF8.self)
                guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else { throw TestClientError("bad chunk size \(sizeText)") }
                position = lineEnd + 2
                if size == 0 {
                    // trailers until an empty line
                    while true {
                        guard let trailerEnd = find([13, 10], from: position) else {
                            chunkProgress = (lineEnd - sizeText.utf8.count, body)
                            return nil
                        }
                        if trailerEnd == position { position += 2; break }
                        let line = String(decoding: buffer[position..<trailerEnd], as: UTF8.self)
                        if let colon = line.firstIndex(of: ":") {
                            response.trailers.append(
                                (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
                        }
                        position = trailerEnd + 2
                    }
                    response.body = body
                    response.raw = Array(buffer[..<position])
                    buffer.removeFirst(position)
                    return response
                }
                guard buffer.count >= position + size + 2 else {
                    chunkProgress = (lineEnd - sizeText.utf8.count, body)
                    return nil
                }
                body += buffer[position..<position + size]
                position += size + 2
            }
        }
        return nil  // close-delimited: only at EOF
    }

    mutating func finish() throws -> TestResponse? {
        guard let end = find([13, 10, 13, 10], from: 0) else { return nil }
        var response = try next()
        if response == nil {
            let head = Array(buffer[..<(end + 4)])
            var reader = ResponseReader(isHeadRequest: true)
            reader.buffer = head
            response = try reader.next()
            response?.body = Array(buffer[(end + 4)...])
            response?.raw = buffer
        }
        return response
    }
}
