import ASGI
import Synchronization

/// ASGI middleware giving every request an id: the client's `x-request-id` when it sent a sane
/// one (1–200 visible ASCII characters), else a new one. Handlers see it in the request headers;
/// the response carries it back.
///
/// ```swift
/// let app = RequestID.middleware()(router.application)
/// // in a handler: request.headers["x-request-id"]
/// ```
public enum RequestID {
    /// Wraps an application; `header` is the field name (lower case).
    public static func middleware(header: String = "x-request-id") -> Middleware {
        { app in
            { scope, receive, send in
                guard scope.type == .http else {
                    try await app(scope, receive, send)
                    return
                }
                var scope = scope
                let id: String
                if let existing = scope.headers[header], isAcceptable(existing) {
                    id = existing
                } else {
                    id = generate()
                    scope.headers.remove(name: header)
                    scope.headers.append(name: header, value: id)
                }
                try await app(scope, receive) { event in
                    guard case .responseStart(let status, var headers, let trailers) = event,
                        !headers.contains(name: header)
                    else {
                        try await send(event)
                        return
                    }
                    headers.append(name: header, value: id)
                    try await send(.responseStart(status: status, headers: headers, trailers: trailers))
                }
            }
        }
    }

    /// A new id: a random per-process prefix and a counter, 24 hex digits. Unique across the
    /// workers of a server without a system call per request.
    public static func generate() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        return hex(prefix, digits: 12) + hex(count, digits: 12)
    }

    private static let prefix = UInt64.random(in: 0..<(1 << 48))
    private static let counter = Atomic<UInt64>(0)

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value & ((1 << (4 * UInt64(digits))) - 1), radix: 16)
        return String(repeating: "0", count: digits - text.count) + text
    }

    static func isAcceptable(_ id: String) -> Bool {
        let utf8 = id.utf8
        return (1...200).contains(utf8.count) && utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
