import ASGI

/// gzip content-coding of HTTP responses as ASGI middleware, after Starlette's `GZipMiddleware`
/// (with nginx's rules for what to leave alone).
///
/// The first body message decides: a whole response in one message smaller than ``minimumSize``
/// goes out as it is; a bigger one, and every streamed response, is compressed as it comes, in
/// the blocks zlib makes (or each message flushed, ``flushesEveryMessage``). A
/// compressed response gets `content-encoding: gzip` and `vary: accept-encoding` and loses
/// `content-length` (a one-shot body gets the compressed length instead) and `accept-ranges`; a
/// strong `etag` becomes weak.
///
/// Left alone: scopes other than HTTP, HEAD requests, 204 and 304, responses that have a
/// `content-encoding`, a `content-range` or an excluded content type (`text/event-stream`),
/// `http.response.pathsend` (the file goes out with sendfile), empty bodies. A client whose
/// `accept-encoding` does not allow gzip gets the response as it is, with `vary: accept-encoding`
/// when it would have been compressed.
///
/// ```swift
/// let app = GZip(minimumSize: 500).middleware(router.application)
/// ```
public struct GZip: Sendable {
    /// A body sent in one message and smaller than this many bytes is not compressed.
    public var minimumSize: Int
    /// zlib's level: 1 (fastest) to 9 (smallest); 0 stores. 6 is zlib's default.
    public var compressionLevel: Int32
    /// Content types (case-insensitive prefixes of `content-type`) that are never compressed.
    public var excludedContentTypes: [String] = ["text/event-stream"]
    /// Ends every body message of a stream with a sync flush (`Z_SYNC_FLUSH`), so each decodes
    /// when it arrives, for streams whose pieces must reach the client promptly; costs about 5
    /// bytes per message (many tiny messages can come out bigger than they went in). The default,
    /// `false`, lets zlib collect output in blocks (Starlette's way): a client may see a slow
    /// stream's pieces only when a block fills or the response ends.
    public var flushesEveryMessage = false

    public init(minimumSize: Int = 500, compressionLevel: Int32 = 6) {
        precondition((0...9).contains(compressionLevel), "gzip compression level must be 0...9, got \(compressionLevel)")
        self.minimumSize = minimumSize
        self.compressionLevel = compressionLevel
    }

    /// The middleware.
    public var middleware: Middleware {
        let settings = GZipSettings(self)
        return { app in
            { scope, receive, send in
                guard scope.type == .http, scope.method != "HEAD" else {
                    try await app(scope, receive, send)
                    return
                }
                let responder = GZipResponder(settings, acceptsGzip: GZip.acceptsGzip(scope.headers), send: send)
                defer { responder.close() }
                try await app(scope, receive) { event in try await responder.send(event) }
                await afterClosureCall()
                try await responder.sendHeldStart()
            }
        }
    }

    /// Whether `accept-encoding` allows gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`) with a
    /// non-zero q, else `*` with a non-zero q. Names are case-insensitive; an entry whose q is not
    /// a valid qvalue is ignored; no header at all means no.
    static func acceptsGzip(_ headers: Headers) -> Bool {
        guard headers.contains(name: "accept-encoding") else { return false }  // most requests: no allocation
        var gzip: Double?
        var any: Double?
        for field in headers.values(name: "accept-encoding") {
            for entry in field.split(separator: ",") {
                let parts = entry.split(separator: ";").map(trimmed)
                guard let coding = parts.first?.lowercased(), !coding.isEmpty else { continue }
                var weight: Double? = 1
                for parameter in parts.dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1)
                    if pair.count == 2, trimmed(pair[0]).lowercased() == "q" { weight = qvalue(trimmed(pair[1])) }
                }
                guard let weight else { continue }
                switch coding {
                case "gzip", "x-gzip": gzip = max(gzip ?? 0, weight)
                case "*": any = max(any ?? 0, weight)
                default: break
                }
            }
        }
        return (gzip ?? any ?? 0) > 0
    }

    /// `0`, `0.5`, `1.000`...: a qvalue of at most three decimals between 0 and 1.
    static func qvalue(_ text: Substring) -> Double? {
        guard (1...5).contains(text.count), text.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }),
            let value = Double(text), (0...1).contains(value)
        else { return nil }
        return value
    }

    /// Adds `accept-encoding` to `vary` unless it is there already (or `vary` is `*`); several
    /// `vary` fields become one list.
    static func addVary(to headers: inout Headers) {
        let values = headers.values(name: "vary")
        let tokens = values.flatMap { $0.split(separator: ",").map { trimmed($0).lowercased() } }
        guard !tokens.contains("accept-encoding"), !tokens.contains("*") else { return }
        let listed = values.map { String(trimmed($0[...])) }.filter { !$0.isEmpty }
        headers.remove(name: "vary")
        headers.append(name: "vary", value: (listed + ["accept-encoding"]).joined(separator: ", "))
    }

    /// The headers of a compressed response: `content-encoding: gzip`, the compressed
    /// `content-length` when known (a one-shot body) and none otherwise, no `accept-ranges` (ranges
    /// of the encoded bytes are not offered), a weak `etag` (the bytes differ from the original's).
    static func markEncoded(_ headers: inout Headers, contentLength: Int?) {
        headers.remove(name: "content-length")
        headers.remove(name: "accept-ranges")
        if let etag = headers["etag"], !etag.hasPrefix("W/") {
            headers.replaceOrAdd(name: "etag", value: "W/" + etag)
        }
        headers.append(name: "content-encoding", value: "gzip")
        if let contentLength { headers.append(name: "content-length", value: String(contentLength)) }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}

/// A ``GZip`` as its middleware uses it, made once: the excluded content types as lower-cased
/// bytes, compared with each compressible start's `content-type` without making a String.
final class GZipSettings: Sendable {
    let minimumSize: Int
    let compressionLevel: Int32
    let flushesEveryMessage: Bool
    let excluded: [[UInt8]]

    init(_ gzip: GZip) {
        minimumSize = gzip.minimumSize
        compressionLevel = gzip.compressionLevel
        flushesEveryMessage = gzip.flushesEveryMessage
        excluded = gzip.excludedContentTypes.map { Array($0.lowercased().utf8) }
    }

    /// Whether a response with this start may be compressed, its body permitting: a final status
    /// other than 204 and 304, no `content-encoding` or `content-range`, a first `content-type`
    /// that is not excluded, and no `content-length` below ``minimumSize`` (nginx's rule: such a
    /// body is too small whatever comes, so the start need not wait for it). One pass over the
    /// fields.
    func mayCompress(status: Int, headers: Headers) -> Bool {
        guard status >= 200, status != 204, status != 304 else { return false }
        var compressible = true
        var typeSeen = false
        headers.forEachField { name, value in
            switch name.count {
            case 12 where !typeSeen && Self.isName(name, "content-type"):
                typeSeen = true
                compressible = !excluded.contains { Self.hasPrefix(value, $0) }
            case 13 where Self.isName(name, "content-range"):
                compressible = false
            case 14 where Self.isName(name, "content-length"):
                if let length = Self.decimal(value), length < minimumSize { compressible = false }
            case 16 where Self.isName(name, "content-encoding"):
                compressible = false
            default:
                break
            }
            return compressible
        }
        return compressible
    }

    /// Whether a field name is `lowercased` (ASCII, case-insensitively; the lengths are equal).
    @inline(__always)
    private static func isName(_ name: UnsafeBufferPointer<UInt8>, _ lowercased: StaticString) -> Bool {
        let key = UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        guard name.count == key.count else { return false }
        for index in 0..<key.count where Headers.lower(name[index]) != key[index] { return false }
        return true
    }

    /// A `content-length` value: 1 to 18 digits, nothing else (else nil: the server refuses it).
    private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard (1...18).contains(bytes.count) else { return nil }
        var value = 0
        for byte in bytes {
            guard byte &- UInt8(ascii: "0") < 10 else { return nil }
            value = value * 10 + Int(byte &- UInt8(ascii: "0"))
        }
        return value
    }

    /// Whether `bytes` start with `prefix` (lower-cased), ASCII case-insensitively.
    private static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for index in 0..<prefix.count where Headers.lower(bytes[index]) != prefix[index] { return false }
        return true
    }
}
