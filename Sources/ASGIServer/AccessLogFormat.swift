import Glibc

/// `--access-log-format`: gunicorn-style `%(x)s` atoms.
///
/// | atom | value |
/// | --- | --- |
/// | `%(h)s` | client address |
/// | `%(r)s` | request line (`GET /path?q HTTP/1.1`) |
/// | `%(m)s` `%(U)s` `%(q)s` `%(H)s` | method, path, query string, protocol |
/// | `%(s)s` | status |
/// | `%(b)s` | response body bytes |
/// | `%(L)s` | request time in seconds, 3 decimals |
/// | `%(a)s` `%(f)s` | user agent, referer |
/// | `%(t)s` | local time, `[27/Nov/2026:08:00:00 +0000]` |
public struct AccessLogFormat: Sendable {
    enum Part: Sendable, Equatable { case text(String), atom(Character) }

    public static let defaultFormat = AccessLogFormat(validating: "%(h)s - \"%(r)s\" %(s)s")!
    static let atoms: Set<Character> = ["h", "r", "m", "U", "q", "H", "s", "b", "L", "a", "f", "t"]

    let parts: [Part]
    public let source: String
    /// Whether the format prints the user agent (`%(a)s`) or the referer (`%(f)s`): the access log
    /// looks those headers up only then.
    let usesUserAgent: Bool
    let usesReferer: Bool

    /// nil when the format names an unknown atom.
    public init?(validating format: String) {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(format)
        while let start = rest.range(of: "%(") {
            text += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            guard let name = after.first, after.dropFirst().hasPrefix(")s"), AccessLogFormat.atoms.contains(name) else {
                return nil
            }
            if !text.isEmpty { parts.append(.text(text)); text = "" }
            parts.append(.atom(name))
            rest = after.dropFirst(3)
        }
        text += rest
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
        self.source = format
        self.usesUserAgent = parts.contains(.atom("a"))
        self.usesReferer = parts.contains(.atom("f"))
    }

    struct Entry {
        var client: String
        var method: String
        var path: String
        var query: String
        var httpVersion: String
        var status: Int
        var bytes: Int
        var seconds: Double
        var userAgent: String
        var referer: String
    }

    func render(_ entry: Entry) -> String {
        var line = ""
        for part in parts {
            switch part {
            case .text(let text): line += text
            case .atom(let atom):
                switch atom {
                case "h": line += entry.client
                case "r": line += "\(entry.method) \(entry.path)\(entry.query.isEmpty ? "" : "?" + entry.query) HTTP/\(entry.httpVersion)"
                case "m": line += entry.method
                case "U": line += entry.path
                case "q": line += entry.query
                case "H": line += "HTTP/\(entry.httpVersion)"
                case "s": line += String(entry.status)
                case "b": line += String(entry.bytes)
                case "L":
                    let millis = Int((entry.seconds * 1000).rounded())
                    let fraction = String(millis % 1000)
                    line += "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
                case "a": line += entry.userAgent
                case "f": line += entry.referer
                case "t": line += AccessLogFormat.timestamp()
                default: break
                }
            }
        }
        return line
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "[%d/%b/%Y:%H:%M:%S %z]", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Substring {
    func range(of needle: String) -> Range<Substring.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
