import CHTTPParser

/// The process-wide http-parser callbacks and the translation of its codes.
///
/// Safety (`@unchecked Sendable`): the settings are written once in `init` (run once by the
/// lazy static) and only read afterwards, by `http_parser_execute` on any thread.
final class HTTPParserSettings: @unchecked Sendable {
    static let shared = HTTPParserSettings()

    let pointer: UnsafePointer<http_parser_settings>

    private init() {
        // Process-global in http-parser; our own scanner enforces ParserLimits.maxHeadSize (and
        // http-parser only sees the request line and the framing fields of a head).
        http_parser_set_max_header_size(1 << 20)
        let settings = UnsafeMutablePointer<http_parser_settings>.allocate(capacity: 1)
        http_parser_settings_init(settings)
        // The scanner extracts target and fields itself, so no data callbacks. Returning 1 makes
        // http-parser skip the body (sets F_SKIPBODY, which RequestParser checks): bodies are
        // framed by BodyDecoder, never by the lenient library.
        settings.pointee.on_headers_complete = { _ in 1 }
        pointer = UnsafePointer(settings)
    }

    /// The method name; literals for the common ones (no allocation, no C string scan).
    static func methodName(_ method: UInt32) -> String {
        switch method {
        case HTTP_GET.rawValue: "GET"
        case HTTP_POST.rawValue: "POST"
        case HTTP_HEAD.rawValue: "HEAD"
        case HTTP_PUT.rawValue: "PUT"
        case HTTP_DELETE.rawValue: "DELETE"
        case HTTP_PATCH.rawValue: "PATCH"
        case HTTP_OPTIONS.rawValue: "OPTIONS"
        default: String(cString: http_method_str(http_method(rawValue: method)))
        }
    }

    static func error(for errno: http_errno) -> HTTPParseError {
        switch errno {
        case HPE_HEADER_OVERFLOW: .headTooLarge("request head too large")
        case HPE_INVALID_METHOD: .badRequest("invalid method")
        case HPE_INVALID_VERSION: .badRequest("invalid HTTP version")
        case HPE_INVALID_CONTENT_LENGTH: .badRequest("invalid Content-Length")
        case HPE_UNEXPECTED_CONTENT_LENGTH: .badRequest("unexpected Content-Length")
        case HPE_INVALID_TRANSFER_ENCODING: .badRequest("unsupported Transfer-Encoding")
        default: .badRequest(String(cString: http_errno_description(errno)))
        }
    }
}
