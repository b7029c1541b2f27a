import Foundation

/// A response as `curl -i` printed it: the last status line (after any 100 Continue), headers, body.
struct HTTPResult: Sendable {
    let status: Int
    let statusLine: String
    /// Names lower-cased, in order, duplicates kept.
    let headers: [(name: String, value: String)]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.name == name.lowercased() }?.value
    }

    init(parsing raw: Data) throws {
        var rest = raw[...]
        let separator = Data("\r\n\r\n".utf8)
        while true {
            guard let end = rest.range(of: separator) else {
                throw DemoTestError("no end of head in: \(String(decoding: raw.prefix(300), as: UTF8.self))")
            }
            let head = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self)
            rest = rest[end.upperBound...]
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, let status = Int(parts[1]) else {
                throw DemoTestError("bad status line: \(statusLine)")
            }
            if (100..<200).contains(status) && status != 101 { continue }  // interim response
            self.status = status
            self.statusLine = statusLine
            headers = lines.compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            body = Data(rest)
            return
        }
    }
}
