/// The routes of a ``Router`` frozen for serving: a hash of the static paths (one lookup for the
/// common case) in front of a segment trie (parameters, catch-alls), both read-only.
final class RouteTable: Sendable {
    enum Match {
        case found(RouteNode.Route, PathParameters)
        case methodNotAllowed(allow: [String])
        case notFound
    }

    private let root: RouteNode
    private let staticPaths: [ArraySlice<UInt8>: RouteNode]

    init(root: RouteNode, staticPaths: [ArraySlice<UInt8>: RouteNode]) {
        self.root = root
        self.staticPaths = staticPaths
    }

    /// Finds the route for `method` and the raw (still percent-encoded) path.
    func match(method: String, rawPath: [UInt8]) -> Match {
        let hasEscapes = rawPath.contains(UInt8(ascii: "%"))
        if !hasEscapes, let node = staticPaths[rawPath[...]], let route = node.route(for: method) {
            return .found(route, PathParameters())
        }
        let segments = Self.segments(of: rawPath, decoding: hasEscapes)
        var values: [String] = []
        var allow: [String] = []
        guard let route = search(root, segments, 0, method, &values, &allow) else {
            return allow.isEmpty ? .notFound : .methodNotAllowed(allow: allow)
        }
        var parameters = PathParameters()
        for (name, value) in zip(route.parameterNames, values) { parameters.append(name: name, value: value) }
        return .found(route, parameters)
    }

    /// Depth-first: literal before parameter before catch-all, backtracking so that
    /// `GET /users/new` and `POST /users/:id` both work. Collects the methods of every node that
    /// matched the path when none matched the method (the 405's `allow`).
    private func search(
        _ node: RouteNode, _ segments: [ArraySlice<UInt8>], _ index: Int, _ method: String,
        _ values: inout [String], _ allow: inout [String]
    ) -> RouteNode.Route? {
        if index == segments.count {
            if let route = node.route(for: method) { return route }
            Self.merge(node.allowedMethods, into: &allow)
            // A trailing catch-all also matches nothing.
            if let catchAll = node.catchAll {
                if let route = catchAll.route(for: method) {
                    values.append("")
                    return route
                }
                Self.merge(catchAll.allowedMethods, into: &allow)
            }
            return nil
        }
        let segment = segments[index]
        if let child = node.literals[segment],
            let route = search(child, segments, index + 1, method, &values, &allow)
        {
            return route
        }
        if let child = node.parameter {
            values.append(String(decoding: segment, as: UTF8.self))
            if let route = search(child, segments, index + 1, method, &values, &allow) { return route }
            values.removeLast()
        }
        if let catchAll = node.catchAll {
            if let route = catchAll.route(for: method) {
                values.append(segments[index...].map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/"))
                return route
            }
            Self.merge(catchAll.allowedMethods, into: &allow)
        }
        return nil
    }

    private static func merge(_ methods: [String], into allow: inout [String]) {
        for method in methods where !allow.contains(method) { allow.append(method) }
    }

    /// Non-empty `/`-separated segments; percent-decoded when the path has escapes (a segment
    /// with an invalid escape is kept as it came).
    static func segments(of rawPath: [UInt8], decoding: Bool) -> [ArraySlice<UInt8>] {
        let parts = rawPath.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        guard decoding else { return parts }
        return parts.map { part in
            guard part.contains(UInt8(ascii: "%")),
                let decoded = PercentDecoding.decodeBytes(part, plusAsSpace: false)
            else { return part }
            return decoded[...]
        }
    }
}
