extension ResponseEncoder {
    /// `HTTP/1.1 100 Continue\r\n\r\n`, sent before reading a body the client is holding back.
    public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A complete short error response: `content-type: text/plain; charset=utf-8`,
    /// `content-length`, `connection: close`, then `date` and `server` if given, and the body
    /// "<reason phrase>\n" (or `message` + "\n"). A status outside 100...999 becomes 500.
    ///
    /// ```swift
    /// let bytes = ResponseEncoder.errorResponse(status: error.status, date: date, server: nil)
    /// ```
    public static func errorResponse(status: Int, message: String? = nil, date: [UInt8]?, server: [UInt8]?) -> [UInt8] {
        let status = (100...999).contains(status) ? status : 500
        let body = (message ?? reasonPhrase(status)) + "\n"
        var out: [UInt8] = []
        out.reserveCapacity(160 + body.utf8.count)
        appendStatusLine(status, into: &out)
        out.append("content-type: text/plain; charset=utf-8\r\n")
        appendContentLength(body.utf8.count, into: &out)
        out.append("connection: close\r\n")
        if let date { appendField("date", date, into: &out) }
        if let server { appendField("server", server, into: &out) }
        out.append("\r\n")
        out.append(contentsOf: body.utf8)
        return out
    }

    /// The reason phrase of `status` ("OK", "Not Found", ...), "" for codes without one.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 102: "Processing"
        case 103: "Early Hints"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non-Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 207: "Multi-Status"
        case 208: "Already Reported"
        case 226: "IM Used"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 305: "Use Proxy"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 418: "I'm a teapot"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 423: "Locked"
        case 424: "Failed Dependency"
        case 425: "Too Early"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 451: "Unavailable For Legal Reasons"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        case 506: "Variant Also Negotiates"
        case 507: "Insufficient Storage"
        case 508: "Loop Detected"
        case 510: "Not Extended"
        case 511: "Network Authentication Required"
        default: ""
        }
    }
}
