import ASGI

/// Splits a request-target into path and query and percent-decodes the path.
enum RequestTarget {
    /// Checks the form of a request-target (RFC 9112 §3.2): origin-form (`/path?query`),
    /// absolute-form (`http://authority/path?query`, scheme `http` or `https`, a valid authority)
    /// or, for OPTIONS only, asterisk-form (`*`). Authority-form belongs to CONNECT, which the
    /// parser refuses before this. Returns the authority of an absolute-form target, else nil.
    static func validate(_ target: UnsafeRawBufferPointer, isOptions: Bool) throws(HTTPParseError)
        -> UnsafeRawBufferPointer?
    {
        guard let first = target.first else { throw .badRequest("empty request target") }
        if first == UInt8(ascii: "/") { return nil }
        if first == UInt8(ascii: "*") {
            guard target.count == 1, isOptions else { throw .badRequest("asterisk-form target outside OPTIONS") }
            return nil
        }
        let schemeLength: Int
        if ByteClass.startsWithLowercased(target, "http://") {
            schemeLength = 7
        } else if ByteClass.startsWithLowercased(target, "https://") {
            schemeLength = 8
        } else {
            throw .badRequest("invalid request target")
        }
        var end = schemeLength
        while end < target.count, target[end] != UInt8(ascii: "/"), target[end] != UInt8(ascii: "?"),
            target[end] != UInt8(ascii: "#")
        {
            end += 1
        }
        let authority = UnsafeRawBufferPointer(rebasing: target[schemeLength..<end])
        // An absolute URI for http(s) has a non-empty host (RFC 9110 §4.2.1).
        guard !authority.isEmpty, authority.first != UInt8(ascii: ":"), Authority.isValid(authority) else {
            throw .badRequest("invalid authority in request target")
        }
        return authority
    }

    /// The path (origin-form) and query of `target`; a fragment is dropped.
    static func split(_ target: UnsafeRawBufferPointer) -> (path: UnsafeRawBufferPointer, query: UnsafeRawBufferPointer) {
        var pathStart = 0
        let count = target.count
        if count > 0, target[0] != UInt8(ascii: "/"), target[0] != UInt8(ascii: "*") {
            // absolute-form: scheme "://" authority [path] — skip to the first '/', '?' or '#'
            // after the authority.
            var i = 0
            while i + 2 < count,
                !(target[i] == UInt8(ascii: ":") && target[i + 1] == UInt8(ascii: "/")
                    && target[i + 2] == UInt8(ascii: "/"))
            {
                i += 1
            }
            i = i + 2 < count ? i + 3 : 0
            while i < count, target[i] != UInt8(ascii: "/"), target[i] != UInt8(ascii: "?"),
                target[i] != UInt8(ascii: "#")
            {
                i += 1
            }
            pathStart = i
        }
        var pathEnd = pathStart
        while pathEnd < count, target[pathEnd] != UInt8(ascii: "?"), target[pathEnd] != UInt8(ascii: "#") {
            pathEnd += 1
        }
        var queryEnd = pathEnd
        var queryStart = pathEnd
        if pathEnd < count, target[pathEnd] == UInt8(ascii: "?") {
            queryStart = pathEnd + 1
            queryEnd = queryStart
            while queryEnd < count, target[queryEnd] != UInt8(ascii: "#") { queryEnd += 1 }
        }
        return (
            UnsafeRawBufferPointer(rebasing: target[pathStart..<pathEnd]),
            UnsafeRawBufferPointer(rebasing: target[queryStart..<queryEnd])
        )
    }

    /// Percent-decodes `bytes` like Python's `unquote`: `%XX` with two hex digits becomes a byte,
    /// anything else is kept literally, and the result is decoded as UTF-8 with replacement.
    static func decodePath(_ bytes: UnsafeRawBufferPointer) -> String {
        // `.keep` never fails.
        PercentDecoding.decode(bytes, badEscape: .keep)!
    }
}

/// The previous request's path and query, handed out again when the next request's target is the
/// same bytes: a keep-alive connection mostly asks for the same few URLs, and this spares two array
/// allocations, the split, the '%' scan and the String (~500 instructions) for one compare.
struct TargetCache {
    private var target: [UInt8] = [UInt8(ascii: "/")]
    private var rawPath: [UInt8] = [UInt8(ascii: "/")]
    private var path = "/"
    private var query: [UInt8] = []

    mutating func resolve(_ bytes: UnsafeRawBufferPointer) -> (rawPath: [UInt8], path: String, query: [UInt8]) {
        if !target.withUnsafeBytes({ ByteClass.equal($0, bytes) }) {
            target = ByteClass.array(bytes)
            let (rawPathBytes, queryBytes) = RequestTarget.split(bytes)
            if rawPathBytes.isEmpty {
                rawPath = [UInt8(ascii: "/")]
                path = "/"
            } else {
                rawPath = ByteClass.array(rawPathBytes)
                path = RequestTarget.decodePath(rawPathBytes)
            }
            query = ByteClass.array(queryBytes)
        }
        return (rawPath, path, query)
    }
}
