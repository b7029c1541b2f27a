/// A request the server must refuse, with the status code to answer before closing.
///
/// ```swift
/// do { _ = try parser.feed(bytes) } catch {
///     send(ResponseEncoder.errorResponse(status: error.status, date: nil, server: nil))
/// }
/// ```
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400 (malformed), 414 (target too long), 431 (head too large) or 505 (HTTP version).
    public let status: Int
    /// Short human text, e.g. "invalid header name".
    public let reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status): \(reason)" }

    static func badRequest(_ reason: String) -> HTTPParseError { HTTPParseError(status: 400, reason: reason) }
    static func headTooLarge(_ reason: String) -> HTTPParseError { HTTPParseError(status: 431, reason: reason) }
    static let targetTooLong = HTTPParseError(status: 414, reason: "request target too long")
    static let versionNotSupported = HTTPParseError(status: 505, reason: "HTTP version not supported")
}
