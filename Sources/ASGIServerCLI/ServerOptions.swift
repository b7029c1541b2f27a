import ASGI
public import ASGIServer
public import ArgumentParser
import Glibc
public import Logging
import UVLoop

/// The server's command-line flags (uvicorn's names and defaults), for any executable that
/// serves an application: `@OptionGroup var server: ServerOptions`, then `server.makeConfig()`.
public struct ServerOptions: ParsableArguments, Sendable {
    @Option(help: "Bind socket to this host.")
    public var host: String = "127.0.0.1"

    @Option(help: ArgumentHelp("Bind socket to this port (0 picks a free one).", valueName: "port"))
    public var port: Int = 6000

    @Option(help: ArgumentHelp("Bind to a UNIX domain socket.", valueName: "path"))
    public var uds: String?

    @Option(help: ArgumentHelp("Bind to socket from this file descriptor.", valueName: "fd"))
    public var fd: Int32?

    @Option(
        help: ArgumentHelp(
            "Number of worker processes (or 'auto' = online CPUs). Default: one process, no supervisor. Env: WEB_CONCURRENCY.", valueName: "n|auto"))
    public var workers: WorkerCount?

    @Option(help: "Maximum number of connections to hold in backlog.")
    public var backlog: Int32 = 2048

    @Option(help: ArgumentHelp("Log level: critical, error, warning, info, debug, trace.", valueName: "level"))
    public var logLevel: LogLevelOption = .info

    @Flag(inversion: .prefixedNo, help: "Enable/disable the access log.")
    public var accessLog = true

    @Option(
        help: ArgumentHelp(
            "Format of access log lines (atoms %(h)s %(r)s %(m)s %(U)s %(q)s %(H)s %(s)s %(b)s %(L)s %(a)s %(f)s %(t)s).", valueName: "format"))
    public var accessLogFormat: String = AccessLogFormat.defaultFormat.source

    @Flag(inversion: .prefixedNo, help: "Trust X-Forwarded-For/X-Forwarded-Proto from --forwarded-allow-ips.")
    public var proxyHeaders = true

    @Option(help: ArgumentHelp("Comma-separated addresses/CIDRs (or '*') trusted for proxy headers. Env: FORWARDED_ALLOW_IPS.", valueName: "ips"))
    public var forwardedAllowIps: String = "127.0.0.1"

    @Option(help: ArgumentHelp("Maximum number of concurrent requests before answering 503.", valueName: "n"))
    public var limitConcurrency: Int?

    @Option(
        help: ArgumentHelp(
            "Maximum number of open connections per worker; more are answered 503 and closed. Default: the open-file limit less a reserve of min(256, limit/4).",
            valueName: "n"))
    public var limitMaxConnections: Int?

    @Option(help: ArgumentHelp("Recycle a worker (or stop a single process) after this many requests.", valueName: "n"))
    public var limitMaxRequests: Int?

    @Option(help: ArgumentHelp("Add up to this many requests at random to --limit-max-requests, per worker.", valueName: "n"))
    public var limitMaxRequestsJitter: Int = 0

    @Option(help: ArgumentHelp("Close keep-alive connections idle for this many seconds.", valueName: "seconds"))
    public var timeoutKeepAlive: Double = 5

    @Option(help: ArgumentHelp("Close connections whose request head is not complete within this many seconds.", valueName: "seconds"))
    public var timeoutHeader: Double = 10

    @Option(
        help: ArgumentHelp("While the application waits for request body bytes, the longest wait for more (then 408 or close).", valueName: "seconds")
    )
    public var timeoutBodyRead: Double = 60

    @Option(help: ArgumentHelp("Close the connection when a send waits this many seconds for a client that does not read.", valueName: "seconds"))
    public var timeoutSend: Double = 60

    @Option(
        help: ArgumentHelp(
            "Keep a file opened for http.response.pathsend open and shared by requests for this many seconds (0: open it every time; a replaced file may be served as it was for that long).",
            valueName: "seconds"))
    public var openFileCache: Double = 1

    @Option(help: ArgumentHelp("Maximum seconds to wait for in-flight requests on SIGTERM/SIGINT.", valueName: "seconds"))
    public var timeoutGracefulShutdown: Double = 30

    @Option(
        help: ArgumentHelp(
            "Replace a worker that does not answer the supervisor's health check for this many seconds (0 disables).", valueName: "seconds"))
    public var timeoutWorkerHealthcheck: Double = 30

    @Option(help: ArgumentHelp("Largest request head (request line + headers) in bytes; larger gets 431.", valueName: "bytes"))
    public var maxHeaderSize: Int = 16384

    @Option(help: ArgumentHelp("Set the ASGI 'root_path' for applications mounted below a path.", valueName: "path"))
    public var rootPath: String = ""

    @Option(help: "WebSocket mode: auto (upgrade requests become WebSockets), none (served as plain HTTP).")
    public var ws: ServerConfig.WebSocketMode = .auto

    @Option(help: ArgumentHelp("Largest incoming WebSocket message (after decompression); larger closes with 1009.", valueName: "bytes"))
    public var wsMaxSize: Int = 16 * 1024 * 1024

    @Option(help: ArgumentHelp("WebSocket messages waiting for the application before reading pauses.", valueName: "n"))
    public var wsMaxQueue: Int = 32

    @Option(help: ArgumentHelp("Seconds between WebSocket pings (0 disables).", valueName: "seconds"))
    public var wsPingInterval: Double = 20

    @Option(help: ArgumentHelp("Close a WebSocket with 1011 when a ping has no pong within this many seconds.", valueName: "seconds"))
    public var wsPingTimeout: Double = 20

    @Flag(inversion: .prefixedNo, help: "Enable/disable permessage-deflate for WebSockets.")
    public var wsPerMessageDeflate = true

    @Option(help: "Lifespan mode: auto, on, off.")
    public var lifespan: ServerConfig.Lifespan = .auto

    @Flag(inversion: .prefixedNo, help: "Enable/disable the default 'server' header.")
    public var serverHeader = true

    @Flag(inversion: .prefixedNo, help: "Enable/disable the default 'date' header.")
    public var dateHeader = true

    @Option(name: .customLong("header"), help: ArgumentHelp("Add a default response header, NAME:VALUE (repeatable).", valueName: "name:value"))
    public var headers: [HeaderOption] = []

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://<metrics-host>:<port>/metrics (with --workers: the supervisor, all workers summed). Default: off.",
            valueName: "port"))
    public var metricsPort: Int?

    @Option(help: ArgumentHelp("Address of the metrics endpoint.", valueName: "host"))
    public var metricsHost: String = "127.0.0.1"

    @Option(
        help: ArgumentHelp(
            "Read SWIFTASGI_* (and any other) variables from this KEY=VALUE file; the environment and the command line win over it.",
            valueName: "path"))
    public var envFile: String?

    @Flag(help: "Development: restart the workers when the executable (or a --reload-dir) changes.")
    public var reload = false

    @Option(name: .customLong("reload-dir"), help: ArgumentHelp("Also watch this directory with --reload (repeatable).", valueName: "path"))
    public var reloadDirs: [String] = []

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        guard backlog > 0 else { throw ValidationError("--backlog must be positive, got \(backlog)") }
        guard timeoutKeepAlive >= 0 else { throw ValidationError("--timeout-keep-alive must not be negative") }
        guard timeoutHeader > 0 else { throw ValidationError("--timeout-header must be positive") }
        guard timeoutBodyRead > 0 else { throw ValidationError("--timeout-body-read must be positive") }
        guard timeoutSend > 0 else { throw ValidationError("--timeout-send must be positive") }
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port must be between 0 and 65535, got \(metricsPort)")
        }
        if let metricsPort, metricsPort != 0, metricsPort == port, uds == nil, fd == nil {
            throw ValidationError("--metrics-port must differ from --port")
        }
        guard openFileCache >= 0 else { throw ValidationError("--open-file-cache must not be negative") }
        guard timeoutGracefulShutdown >= 0 else { throw ValidationError("--timeout-graceful-shutdown must not be negative") }
        guard maxHeaderSize >= 256 else { throw ValidationError("--max-header-size must be at least 256 bytes, got \(maxHeaderSize)") }
        if let limitConcurrency, limitConcurrency < 1 { throw ValidationError("--limit-concurrency must be at least 1") }
        if let limitMaxConnections, limitMaxConnections < 1 { throw ValidationError("--limit-max-connections must be at least 1") }
        if let limitMaxRequests, limitMaxRequests < 1 { throw ValidationError("--limit-max-requests must be at least 1") }
        guard limitMaxRequestsJitter >= 0 else { throw ValidationError("--limit-max-requests-jitter must not be negative") }
        guard timeoutWorkerHealthcheck >= 0 else { throw ValidationError("--timeout-worker-healthcheck must not be negative") }
        guard AccessLogFormat(validating: accessLogFormat) != nil else {
            throw ValidationError("--access-log-format has an unknown atom: '\(accessLogFormat)'")
        }
        for entry in forwardedAllowIps.split(separator: ",").map({ String($0.trimmingSpaces) }) where !entry.isEmpty {
            guard ServerConfig.isValidTrustedProxy(entry) else {
                throw ValidationError("--forwarded-allow-ips: '\(entry)' is not an address, a CIDR or '*'")
            }
        }
        guard wsMaxSize >= 1 else { throw ValidationError("--ws-max-size must be at least 1") }
        guard wsMaxQueue >= 1 else { throw ValidationError("--ws-max-queue must be at least 1") }
        guard wsPingInterval >= 0 else { throw ValidationError("--ws-ping-interval must not be negative") }
        guard wsPingTimeout > 0 else { throw ValidationError("--ws-ping-timeout must be positive") }
        if uds != nil && fd != nil { throw ValidationError("--uds and --fd cannot be used together") }
        if let uds, SocketPath.occupant(of: uds) == .other {
            throw ValidationError("--uds: '\(uds)' exists and is not a socket; refusing to replace it")
        }
        if !rootPath.isEmpty && (!rootPath.hasPrefix("/") || rootPath.hasSuffix("/")) {
            throw ValidationError("--root-path must start with '/' and not end with '/', got '\(rootPath)'")
        }
    }

    /// The configuration these flags describe.
    public func makeConfig(logger: Logger) -> ServerConfig {
        var config = ServerConfig()
        config.host = host
        config.port = port
        config.unixSocket = uds
        config.fileDescriptor = fd
        config.backlog = backlog
        config.accessLog = accessLog
        config.limitConcurrency = limitConcurrency
        config.limitMaxConnections = limitMaxConnections
        config.limitMaxRequests = limitMaxRequests
        config.limitMaxRequestsJitter = limitMaxRequestsJitter
        config.proxyHeaders = proxyHeaders
        config.forwardedAllowIPs = [forwardedAllowIps]
        config.accessLogFormat = AccessLogFormat(validating: accessLogFormat) ?? .defaultFormat
        config.timeoutKeepAlive = timeoutKeepAlive
        config.timeoutHeader = timeoutHeader
        config.timeoutBodyRead = timeoutBodyRead
        config.timeoutSend = timeoutSend
        config.openFileCacheSeconds = openFileCache
        config.metricsPort = metricsPort
        config.metricsHost = metricsHost
        config.timeoutGracefulShutdown = timeoutGracefulShutdown
        config.maxHeaderSize = maxHeaderSize
        config.rootPath = rootPath
        config.lifespan = lifespan
        config.ws = ws
        config.wsMaxSize = wsMaxSize
        config.wsMaxQueue = wsMaxQueue
        config.wsPingInterval = wsPingInterval
        config.wsPingTimeout = wsPingTimeout
        config.wsPerMessageDeflate = wsPerMessageDeflate
        config.serverHeader = serverHeader
        config.dateHeader = dateHeader
        config.defaultHeaders = headers.map { ($0.name, $0.value) }
        config.logger = logger
        return config
    }
}

/// `--workers`: a count or `auto` (online CPUs).
public struct WorkerCount: ExpressibleByArgument, Sendable, Equatable {
    public let count: Int

    public init(_ count: Int) { self.count = count }

    public init?(argument: String) {
        if argument == "auto" {
            count = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
        } else if let value = Int(argument), value >= 1, value <= 512 {
            count = value
        } else {
            return nil
        }
    }
}

/// `--log-level` values.
public enum LogLevelOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case critical, error, warning, info, debug, trace

    public var level: Logger.Level {
        switch self {
        case .critical: .critical
        case .error: .error
        case .warning: .warning
        case .info: .info
        case .debug: .debug
        case .trace: .trace
        }
    }
}

extension ServerConfig.Lifespan: ExpressibleByArgument {}
extension ServerConfig.WebSocketMode: ExpressibleByArgument {}

/// `--header NAME:VALUE`.
public struct HeaderOption: ExpressibleByArgument, Sendable {
    public let name: String
    public let value: String

    public init?(argument: String) {
        guard let colon = argument.firstIndex(of: ":") else { return nil }
        let name = String(argument[..<colon])
        let value = String(argument[argument.index(after: colon)...].trimmingSpaces)
        let tchar: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-.^_`|~".contains($0)) }
        guard !name.isEmpty, name.allSatisfy(tchar), !value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
            return nil
        }
        self.name = name
        self.value = value
    }
}
