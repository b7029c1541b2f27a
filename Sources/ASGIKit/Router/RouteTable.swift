import ASGI

/// The routes of a ``Router`` frozen for serving: a hash of the static paths (one lookup for the
/// common case) in front of a segment trie (parameters, catch-alls), both read-only.
final class RouteTable: Sendable {
    enum Match {
        case found(RouteNode.Route, PathParameters)
        case methodNotAllowed(allow: [String])
        case notFound
    }

    private let root: RouteNode
    private let staticPaths: PathTable<RouteNode>

    init(root: RouteNode, staticPaths: [PathKey: RouteNode]) {
        self.root = root
        self.staticPaths = PathTable(staticPaths)
    }

    /// Finds the route for `method` and the raw (still percent-encoded) path.
    func match(method: String, rawPath: [UInt8]) -> Match {
        let hasEscapes = rawPath.contains(UInt8(ascii: "%"))
        if !hasEscapes, let node = staticPaths.value(for: rawPath), let route = node.route(for: method) {
            return .found(route, PathParameters())
        }
        // The segments live on the stack for the search: no array per lookup.
        let capacity = rawPath.reduce(1) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
        return withUnsafeTemporaryAllocation(of: ArraySlice<UInt8>.self, capacity: capacity) { buffer in
            let count = Self.fillSegments(buffer, from: rawPath, decoding: hasEscapes)
            defer { buffer.baseAddress!.deinitialize(count: count) }
            let segments = UnsafeBufferPointer(rebasing: buffer[..<count])
            var values: [String] = []
            var allow: [String] = []
            guard let route = search(root, segments, 0, method, &values, &allow) else {
                return allow.isEmpty ? .notFound : .methodNotAllowed(allow: allow)
            }
            return .found(route, PathParameters(names: route.parameterNames, values: values))
        }
    }

    /// Depth-first: literal before parameter before catch-all, backtracking so that
    /// `GET /users/new` and `POST /users/:id` both work. Collects the methods of every node that
    /// matched the path when none matched the method (the 405's `allow`).
    private func search(
        _ node: RouteNode, _ segments: UnsafeBufferPointer<ArraySlice<UInt8>>, _ index: Int, _ method: String,
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
        if let child = node.literals[PathKey(segment)],
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

    /// Writes the non-empty `/`-separated segments into `buffer` and returns their count;
    /// percent-decoded when the path has escapes (a segment with an invalid escape is kept as it came).
    static func fillSegments(
        _ buffer: UnsafeMutableBufferPointer<ArraySlice<UInt8>>, from rawPath: [UInt8], decoding: Bool
    ) -> Int {
        var count = 0
        var start = rawPath.startIndex
        while start < rawPath.endIndex {
            let end = rawPath[start...].firstIndex(of: UInt8(ascii: "/")) ?? rawPath.endIndex
            if end > start {
                var segment = rawPath[start..<end]
                if decoding, segment.contains(UInt8(ascii: "%")),
                    let decoded = PercentDecoding.decodeBytes(segment, badEscape: .fail)
                {
                    segment = decoded[...]
                }
                (buffer.baseAddress! + count).initialize(to: segment)
                count += 1
            }
            start = end + 1
        }
        return count
    }
}
