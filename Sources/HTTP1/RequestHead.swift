public import ASGI

/// The parsed head of one request, handed to the delegate once the blank line has arrived.
///
/// ```swift
/// func parser(_ parser: RequestParser, didParseHead head: RequestHead) {
///     print(head.method, head.path, head.headers["host"] ?? "-")
/// }
/// ```
public struct RequestHead: Sendable {
    /// The method as on the wire, e.g. "GET".
    public var method: String
    /// Path bytes as on the wire (still %-encoded), without the query. Origin-form: an
    /// absolute-form target `http://h/p?q` gives `/p`; `*` stays `*`.
    public var rawPath: [UInt8]
    /// `rawPath` percent-decoded; invalid escapes kept literally, invalid UTF-8 decoded lossily.
    public var path: String
    /// The bytes after `?`, without any `#fragment`; empty if none.
    public var queryString: [UInt8]
    public var versionMajor: Int
    public var versionMinor: Int
    /// "1.0" or "1.1" (a 1.x request with x > 1 is reported as "1.1").
    public var httpVersion: String
    /// Wire order, names lower-cased, duplicates kept, values trimmed of surrounding SP/HTAB.
    public var headers: Headers
    /// Whether the client allows the connection to be reused (`http_should_keep_alive`).
    public var keepAlive: Bool
    /// The declared Content-Length, nil if absent.
    public var contentLength: Int?
    /// Whether the body uses the chunked transfer coding.
    public var isChunked: Bool
    /// Whether the client sent `expect: 100-continue` (HTTP/1.1 only; ignored for HTTP/1.0).
    public var expectsContinue: Bool
    /// Whether a body follows the head (content-length > 0 or chunked).
    public var hasBody: Bool
    /// Whether the request has an `Upgrade` header (http-parser's verdict, free to read): the
    /// server looks for a WebSocket upgrade only then.
    public var hasUpgradeHeader: Bool

    public init(
        method: String, rawPath: [UInt8], path: String, queryString: [UInt8], versionMajor: Int,
        versionMinor: Int, headers: Headers, keepAlive: Bool, contentLength: Int?, isChunked: Bool,
        expectsContinue: Bool, hasUpgradeHeader: Bool = false
    ) {
        self.method = method
        self.rawPath = rawPath
        self.path = path
        self.queryString = queryString
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.httpVersion = versionMinor == 0 ? "1.0" : "1.1"
        self.headers = headers
        self.keepAlive = keepAlive
        self.contentLength = contentLength
        self.isChunked = isChunked
        self.expectsContinue = expectsContinue
        self.hasBody = isChunked || (contentLength ?? 0) > 0
        self.hasUpgradeHeader = hasUpgradeHeader
    }
}
