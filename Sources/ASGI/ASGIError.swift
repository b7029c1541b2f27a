/// An error raised by the server into the application (from `send` or `receive`).
public struct ASGIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for code that handles the cases differently.
    ///
    /// ```swift
    /// do { try await send(.responseBody(chunk)) } catch let error as ASGIError {
    ///     switch error.code {
    ///     case .disconnected: return  // the client left: stop producing
    ///     case .protocolViolation, .invalidHeader, .contentLengthMismatch, .fileUnavailable: throw error
    ///     }
    /// }
    /// ```
    public enum Code: Sendable, Hashable {
        /// See ``ASGIError/disconnected()``.
        case disconnected
        /// See ``ASGIError/protocolViolation(_:)``.
        case protocolViolation
        /// See ``ASGIError/invalidHeader(_:)``.
        case invalidHeader
        /// See ``ASGIError/contentLengthMismatch(_:)``.
        case contentLengthMismatch
        /// See ``ASGIError/fileUnavailable(_:)``.
        case fileUnavailable
    }
    /// What went wrong.
    public let code: Code
    /// Human-readable detail.
    public let message: String

    private init(_ code: Code, _ message: String) { self.code = code; self.message = message }

    /// The client has gone: nothing more can be sent on this connection.
    public static func disconnected() -> ASGIError { ASGIError(.disconnected, "client disconnected") }
    /// A message that is not allowed now (e.g. a body before `http.response.start`).
    public static func protocolViolation(_ message: String) -> ASGIError { ASGIError(.protocolViolation, message) }
    /// A response header name or value that cannot be sent (CR, LF, NUL, non-token name).
    public static func invalidHeader(_ message: String) -> ASGIError { ASGIError(.invalidHeader, message) }
    /// The body does not match the `content-length` the application declared.
    public static func contentLengthMismatch(_ message: String) -> ASGIError { ASGIError(.contentLengthMismatch, message) }

    /// `http.response.pathsend`: the file cannot be opened, is not a regular file, or failed
    /// while it was being sent.
    public static func fileUnavailable(_ message: String) -> ASGIError { ASGIError(.fileUnavailable, message) }

    public var isDisconnected: Bool { code == .disconnected }
    public var isProtocolViolation: Bool { code == .protocolViolation }
    public var isInvalidHeader: Bool { code == .invalidHeader }
    public var isContentLengthMismatch: Bool { code == .contentLengthMismatch }
    public var isFileUnavailable: Bool { code == .fileUnavailable }

    public var description: String { message }
}
