public import Logging

/// Everything a ``Server`` can be told. Defaults follow uvicorn where the two overlap.
///
/// ```swift
/// var config = ServerConfig()
/// config.port = 8080
/// try Server(config: config).run(app)
/// ```
public struct ServerConfig: Sendable {
    /// How the lifespan protocol is used.
    public enum Lifespan: String, Sendable, CaseIterable {
        /// Run it; an application that fails before answering startup is taken as not supporting it.
        case auto
        /// Run it; any failure stops the server from starting.
        case on
        /// Never call the application with a lifespan scope.
        case off
    }

    /// Whether `Upgrade: websocket` requests become WebSocket connections (`--ws`).
    public enum WebSocketMode: String, Sendable, CaseIterable {
        /// Valid upgrades get a WebSocket scope; invalid ones 400 (426 for another version).
        case auto
        /// Upgrade requests are served as plain HTTP requests.
        case none
    }

    /// Interface to bind (`--host`). `0.0.0.0` or `::` for every interface.
    public var host = "127.0.0.1"
    /// TCP port (`--port`); 0 picks a free one (see ``RunningServer/port``).
    public var port = 6000
    /// Listen on a Unix socket instead of TCP (`--uds`).
    public var unixSocket: String?
    /// Adopt an already bound socket (`--fd`).
    public var fileDescriptor: Int32?
    /// Set SO_REUSEPORT on the listening socket (workers each bind their own).
    public var reusePort = false
    /// listen(2) backlog (`--backlog`).
    public var backlog: Int32 = 2048
    /// Idle keep-alive connections are closed after this many seconds (`--timeout-keep-alive`).
    public var timeoutKeepAlive: Double = 5
    /// A request head must be complete within this many seconds of connect or of the previous
    /// response, else the connection closes (`--timeout-header`; slowloris defence).
    public var timeoutHeader: Double = 10
    /// While the application waits in `receive()`, the longest wait for the next request body bytes
    /// (`--timeout-body-read`): then 408 if nothing of the response was sent yet, else close; the
    /// application sees `http.disconnect`.
    public var timeoutBodyRead: Double = 60
    /// The longest a `send` (or the final flush before a close) stays suspended because the client
    /// does not read (`--timeout-send`): then the connection closes and `send` throws.
    public var timeoutSend: Double = 60
    /// On SIGTERM/SIGINT, in-flight requests get this long to finish (`--timeout-graceful-shutdown`).
    public var timeoutGracefulShutdown: Double = 30
    /// Largest request head (request line + headers) in bytes (`--max-header-size`); larger → 431.
    public var maxHeaderSize = 16384
    /// Largest request target in bytes; longer → 414.
    public var maxTargetLength = 8192
    /// Most header fields per request; more → 431.
    public var maxHeaderCount = 100
    /// Unread request body buffered before the server stops reading from the socket.
    public var bodyHighWaterMark = 64 * 1024
    /// Response bytes queued before `send` suspends until the socket drains.
    public var writeHighWaterMark = 64 * 1024
    /// A file opened for `http.response.pathsend` is kept open and shared by the requests for the
    /// same path for this many seconds (`--open-file-cache`, nginx's `open_file_cache_valid`):
    /// a file replaced or deleted may be served as it was for that long. 0: open every time.
    public var openFileCacheSeconds: Double = 1
    /// More open connections than this: a new one is answered 503 and closed, the others keep
    /// being served (`--limit-max-connections`). nil: derived from the open-file limit (see
    /// ``Server``), which the server raises to its hard limit at start.
    public var limitMaxConnections: Int?
    /// More concurrent requests than this are answered 503 (`--limit-concurrency`).
    public var limitConcurrency: Int?
    /// Stop (or, under a supervisor, get replaced) after this many requests (`--limit-max-requests`).
    public var limitMaxRequests: Int?
    /// A random 0...jitter is added to `limitMaxRequests`, so workers do not recycle together.
    public var limitMaxRequestsJitter = 0
    /// Honour `X-Forwarded-For` / `X-Forwarded-Proto` from trusted peers (`--proxy-headers`).
    public var proxyHeaders = false
    /// Peers trusted for proxy headers: addresses, CIDRs, or `*` (`--forwarded-allow-ips`).
    public var forwardedAllowIPs: [String] = ["127.0.0.1"]
    /// Access log line format (`--access-log-format`); see ``AccessLogFormat``.
    public var accessLogFormat = AccessLogFormat.defaultFormat
    /// Send a `server` header (`--server-header`).
    public var serverHeader = true
    /// Send a `date` header (`--date-header`).
    public var dateHeader = true
    /// Extra headers added to every response (`--header NAME:VALUE`).
    public var defaultHeaders: [(String, String)] = []
    /// Log one line per request at info level (`--access-log`).
    public var accessLog = true
    /// `scope.root_path` (`--root-path`).
    public var rootPath = ""
    /// WebSocket support (`--ws`).
    public var ws: WebSocketMode = .auto
    /// Largest incoming WebSocket message in bytes, after decompression (`--ws-max-size`);
    /// larger → close 1009.
    public var wsMaxSize = 16 * 1024 * 1024
    /// Messages received and not yet taken by the application before the server stops reading
    /// from the socket (`--ws-max-queue`).
    public var wsMaxQueue = 32
    /// Seconds between the server's pings (`--ws-ping-interval`); 0 sends none.
    public var wsPingInterval: Double = 20
    /// Seconds a ping waits for its pong before the connection is closed with 1011
    /// (`--ws-ping-timeout`).
    public var wsPingTimeout: Double = 20
    /// Negotiate permessage-deflate when the client offers it (`--ws-per-message-deflate`).
    public var wsPerMessageDeflate = true
    /// Seconds the closing handshake waits for the client's close frame before the connection is
    /// dropped.
    public var wsCloseTimeout: Double = 5
    /// Lifespan protocol mode.
    public var lifespan: Lifespan = .auto
    /// Install SIGTERM/SIGINT handlers that stop the server gracefully (``Server/run(_:)``).
    public var handleSignals = true
    /// Logger for server events and the access log.
    public var logger = Logger(label: "swiftasgi")
    /// Serve Prometheus metrics at `http://metricsHost:metricsPort/metrics` (`--metrics-port`);
    /// nil: no metrics are kept. With worker processes the supervisor serves them, summed.
    public var metricsPort: Int?
    /// Address of the metrics endpoint (`--metrics-host`); loopback by default, so that only the
    /// machine (or a sidecar) can scrape it.
    public var metricsHost = "127.0.0.1"
    /// A worker keeps metrics for its supervisor to collect, without an endpoint of its own.
    var metricsForSupervisor = false
    /// Whether metrics are kept at all.
    var collectsMetrics: Bool { metricsPort != nil || metricsForSupervisor }

    public init() {}

    /// The value of the `server` header.
    public static let serverName = "swiftasgi"
}
