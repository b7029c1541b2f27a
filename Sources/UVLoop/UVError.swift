import CLibUV

/// An error code returned by libuv, with its name and message (`uv_err_name` / `uv_strerror`).
public struct UVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The negative libuv error code, e.g. `-98` for `EADDRINUSE`.
    public let code: Int32

    public init(_ code: Int32) { self.code = code }

    /// `EADDRINUSE`, `ECONNRESET`...
    public var name: String { String(cString: uv_err_name(code)) }
    /// libuv's human-readable message.
    public var message: String { String(cString: uv_strerror(code)) }
    public var description: String { "\(name): \(message)" }

    public static let eof = UVError(Int32(UV_EOF.rawValue))
    public static let again = UVError(Int32(UV_EAGAIN.rawValue))
    public static let canceled = UVError(Int32(UV_ECANCELED.rawValue))
    public static let addressInUse = UVError(Int32(UV_EADDRINUSE.rawValue))
    public static let invalidArgument = UVError(Int32(UV_EINVAL.rawValue))
    public static let timedOut = UVError(Int32(UV_ETIMEDOUT.rawValue))
}

/// Checks the result of a libuv call: negative values become a thrown ``UVError``.
@inline(__always) @discardableResult
func uvCheck(_ result: Int32) throws(UVError) -> Int32 {
    if result < 0 { throw UVError(result) }
    return result
}
