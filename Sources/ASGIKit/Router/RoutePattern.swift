/// A route path split into segments: `/users/:id/files/*`.
struct RoutePattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal([UInt8])
        case parameter(String)
        case catchAll
    }

    let segments: [Segment]

    init(_ path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var segments: [Segment] = []
        for (index, part) in parts.enumerated() {
            if part == "*" {
                precondition(index == parts.count - 1, "Route '\(path)': '*' must be the last segment")
                segments.append(.catchAll)
            } else if part.first == ":" {
                precondition(part.count > 1, "Route '\(path)': a parameter needs a name")
                segments.append(.parameter(String(part.dropFirst())))
            } else {
                segments.append(.literal(Array(part.utf8)))
            }
        }
        self.segments = segments
    }

    /// Names of the captured values in order; `*` for the catch-all.
    var parameterNames: [String] {
        segments.compactMap { segment in
            switch segment {
            case .literal: nil
            case .parameter(let name): name
            case .catchAll: "*"
            }
        }
    }

    /// The normalised path (`/a/b`) when the pattern has only literal segments.
    var staticPath: [UInt8]? {
        var path: [UInt8] = []
        for segment in segments {
            guard case .literal(let bytes) = segment else { return nil }
            path.append(UInt8(ascii: "/"))
            path.append(contentsOf: bytes)
        }
        return path.isEmpty ? [UInt8(ascii: "/")] : path
    }

    var description: String {
        "/"
            + segments.map { segment in
                switch segment {
                case .literal(let bytes): String(decoding: bytes, as: UTF8.self)
                case .parameter(let name): ":" + name
                case .catchAll: "*"
                }
            }.joined(separator: "/")
    }

    /// Joins a group prefix and a route path.
    static func join(_ prefix: String, _ path: String) -> String {
        let head = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        let tail = path.hasPrefix("/") ? path : "/" + path
        return head + tail
    }
}
