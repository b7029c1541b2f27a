public import Logging

/// Router middleware logging one line per request, uvicorn-style:
/// `127.0.0.1:50122 - "GET /echo?message=hi HTTP/1.1" 200 12B 0.21ms`. Errors are logged with
/// the status they will be answered with, then rethrown.
///
/// ```swift
/// router.use(AccessLog.middleware())
/// ```
public enum AccessLog {
    public static func middleware(
        logger: Logger = Logger(label: "ASGIKit.AccessLog"), level: Logger.Level = .info
    ) -> RouterMiddleware {
        { request, next in
            let start = ContinuousClock.now
            do {
                let response = try await next(request)
                log(logger, level, request, status: response.status, size: response.bodySizeText, since: start)
                return response
            } catch {
                log(logger, level, request, status: (error as? HTTPError)?.status ?? 500, size: "-", since: start)
                throw error
            }
        }
    }

    private static func log(
        _ logger: Logger, _ level: Logger.Level, _ request: Request, status: Int, size: String,
        since start: ContinuousClock.Instant
    ) {
        logger.log(level: level, "\(line(request, status: status, size: size, elapsed: ContinuousClock.now - start))")
    }

    static func line(_ request: Request, status: Int, size: String, elapsed: Duration) -> String {
        let client = request.client?.description ?? "-"
        let query = request.scope.queryString.isEmpty ? "" : "?" + String(decoding: request.scope.queryString, as: UTF8.self)
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let millis = "\(micros / 1000).\(String(micros % 1000 + 1000).dropFirst(1).prefix(2))ms"
        return "\(client) - \"\(request.method) \(request.path)\(query) HTTP/\(request.scope.httpVersion)\" \(status) \(size) \(millis)"
    }
}

extension Response {
    /// `12B` for a body in memory, `-` for a stream.
    var bodySizeText: String {
        switch body {
        case .bytes(let bytes): "\(bytes.count)B"
        case .stream: "-"
        }
    }
}
