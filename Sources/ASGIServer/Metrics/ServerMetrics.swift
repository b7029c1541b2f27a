import Glibc

/// The server's own request metrics for one loop, kept in plain integers the loop alone touches
/// (no atomics, no locks, no clock but one `CLOCK_MONOTONIC` read at each end of a request) and
/// turned into Prometheus text only when scraped. Label values are bounded: the methods HTTP
/// defines and `other`, and the status code (100–599), so no client can grow the series.
final class ServerMetrics {
    static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "other"]
    /// Upper bounds of `http_server_request_duration_seconds`, in seconds (`+Inf` after them).
    static let bucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private static let bucketNanos: [UInt64] = bucketBounds.map { UInt64($0 * 1e9) }
    private static let statuses = 500  // 100...599

    /// Responses by method index × (status − 100).
    private var requests = [Int](repeating: 0, count: methods.count * statuses)
    /// Durations per bucket (not cumulative; the last one is `+Inf`).
    private var durations = [Int](repeating: 0, count: bucketBounds.count + 1)
    private var durationNanos: UInt64 = 0
    private(set) var websocketMessagesIn = 0
    private(set) var websocketMessagesOut = 0

    /// Monotonic nanoseconds, for a request's start and end.
    @inline(__always)
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// A response completed.
    @inline(__always)
    func requestCompleted(method: String, status: Int, startedAt: UInt64) {
        let elapsed = Self.now() &- startedAt
        let code = min(max(status, 100), 599) - 100
        requests[Self.methodIndex(method) &* Self.statuses &+ code] &+= 1
        var bucket = 0
        let bounds = Self.bucketNanos
        while bucket < bounds.count, elapsed > bounds[bucket] { bucket &+= 1 }
        durations[bucket] &+= 1
        durationNanos &+= elapsed
    }

    @inline(__always)
    func websocketMessage(incoming: Bool) {
        if incoming { websocketMessagesIn &+= 1 } else { websocketMessagesOut &+= 1 }
    }

    @inline(__always)
    static func methodIndex(_ method: String) -> Int {
        switch method {
        case "GET": 0
        case "HEAD": 1
        case "POST": 2
        case "PUT": 3
        case "DELETE": 4
        case "PATCH": 5
        case "OPTIONS": 6
        case "CONNECT": 7
        case "TRACE": 8
        default: 9
        }
    }

    /// The Prometheus text of these metrics plus the gauges read from the core now.
    func render(activeRequests: Int, openConnections: Int, openWebSockets: Int, into out: inout String) {
        out += "# HELP http_server_requests_total Responses completed, by request method and status code.\n"
        out += "# TYPE http_server_requests_total counter\n"
        for (index, method) in Self.methods.enumerated() {
            for code in 0..<Self.statuses {
                let count = requests[index * Self.statuses + code]
                guard count > 0 else { continue }
                out += "http_server_requests_total{method=\"\(method)\",status=\"\(code + 100)\"} \(count)\n"
            }
        }
        out += "# HELP http_server_request_duration_seconds From the request head to the end of the response.\n"
        out += "# TYPE http_server_request_duration_seconds histogram\n"
        var cumulative = 0
        for (index, bound) in Self.bucketBounds.enumerated() {
            cumulative += durations[index]
            out += "http_server_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += durations[Self.bucketBounds.count]
        out += "http_server_request_duration_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "http_server_request_duration_seconds_sum \(Double(durationNanos) / 1e9)\n"
        out += "http_server_request_duration_seconds_count \(cumulative)\n"
        Self.gauge("http_server_active_requests", "Application calls in progress (HTTP requests and WebSocket sessions).", activeRequests, into: &out)
        Self.gauge("http_server_open_connections", "Open client connections, HTTP and WebSocket.", openConnections, into: &out)
        Self.gauge("websocket_open_connections", "Open WebSocket connections.", openWebSockets, into: &out)
        out += "# HELP websocket_messages_total WebSocket data messages, by direction.\n"
        out += "# TYPE websocket_messages_total counter\n"
        out += "websocket_messages_total{direction=\"in\"} \(websocketMessagesIn)\n"
        out += "websocket_messages_total{direction=\"out\"} \(websocketMessagesOut)\n"
    }

    static func gauge(_ name: String, _ help: String, _ value: Int, into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(value)\n"
    }

    /// This process's resident set size in bytes (`/proc/self/statm`), 0 when unreadable.
    static func residentMemoryBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return 0 }
        let fields = String(cString: buffer).split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
