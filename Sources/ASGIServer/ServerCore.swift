import ASGI
import HTTP1
import Logging
import UVLoop

/// What the server keeps of each open connection: it owns it, and asks it to stop.
protocol ServedConnection: AnyObject {
    /// Server shutdown began: finish what is in flight, then close.
    func shutdownGracefully()
    /// Close now (the graceful-shutdown timeout ran out).
    func close()
}

/// The server as it lives on one loop: listener, connections, lifespan, shutdown. Loop thread only.
final class ServerCore: @unchecked Sendable {
    // Safety: created, used and torn down on its loop's thread only. It is Sendable so the tasks it
    // starts on the loop executor may capture it; those tasks run on the same thread.
    let config: ServerConfig
    let app: Application
    let loop: EventLoop
    let logger: Logger
    let parserLimits: ParserLimits
    let dates: DateCache
    /// Files opened for `http.response.pathsend`, shared for `ServerConfig.openFileCacheSeconds`.
    let openFiles: OpenFileCache
    /// Request metrics (``ServerConfig/metricsPort``), nil when none are kept.
    let metrics: ServerMetrics?
    let serverHeaderValue: [UInt8]?
    /// `--root-path` as bytes, prepended to `raw_path`.
    let rootPathBytes: [UInt8]
    let defaultHeaders: Headers?
    @exclusivity(unchecked) private(set) var listener: Listener?
    /// The listening address as the scope's `server` key.
    @exclusivity(unchecked) private(set) var serverAddress: Scope.Address?
    /// Open connections (HTTP and WebSocket), for graceful shutdown. The table owns them.
    @exclusivity(unchecked) private var connections: [ObjectIdentifier: any ServedConnection] = [:]
    /// Requests whose application call has not returned.
    @exclusivity(unchecked) var activeRequests = 0
    @exclusivity(unchecked) private(set) var isShuttingDown = false
    let lifespanState = ScopeState()
    /// The tasks that run the application for HTTP requests.
    let requestTasks: RequestTasks
    /// Output buffers of connections that went idle, for the next responses on this loop: an
    /// idle keep-alive connection holds no buffer, and a response need not allocate one.
    @exclusivity(unchecked) private var spareOutputs: [[UInt8]] = []
    /// Spare output buffers kept, and the largest capacity kept (bigger ones are freed).
    static let maxSpareOutputs = 16
    static let maxSpareOutputCapacity = 8 << 10
    /// Finished exchanges, for the next requests on this loop (of any connection): an idle
    /// keep-alive connection holds none, and a request need not allocate one.
    @exclusivity(unchecked) private var spareExchanges: [Exchange] = []
    static let maxSpareExchanges = 16
    /// Responses completed, for `--limit-max-requests`.
    @exclusivity(unchecked) private(set) var requestsServed = 0
    private let requestLimit: Int?
    /// What to do when the request limit is reached (default: graceful stop).
    var requestLimitAction: (() -> Void)?
    let proxy: ProxyHeaders?
    /// Open connections allowed before new ones are answered 503.
    let maxConnections: Int
    /// One log line per second for floods of invalid requests, accept failures and refusals.
    @exclusivity(unchecked) private var invalidRequestLog = LogThrottle()
    @exclusivity(unchecked) private var acceptErrorLog = LogThrottle()
    @exclusivity(unchecked) private var refusedConnectionLog = LogThrottle()
    @exclusivity(unchecked) private var lifespan: LifespanRunner?
    @exclusivity(unchecked) private var shutdownWaiters: [() -> Void] = []
    @exclusivity(unchecked) private var shutdownTimer: LoopTimer?

    init(config: ServerConfig, app: @escaping Application, loop: EventLoop) {
        self.config = config
        self.app = app
        self.loop = loop
        self.requestTasks = RequestTasks(loop: loop, app: app)
        self.logger = config.logger
        self.parserLimits = ParserLimits(
            maxHeadSize: config.maxHeaderSize, maxTargetLength: config.maxTargetLength,
            maxHeaderCount: config.maxHeaderCount)
        self.dates = DateCache(loop: loop)
        if config.collectsMetrics {
            _ = MetricsExport.registry  // swift-metrics reports to Prometheus before the application starts
            self.metrics = ServerMetrics()
        } else {
            self.metrics = nil
        }
        self.openFiles = OpenFileCache(
            loop: loop, validityMilliseconds: UInt64(max(config.openFileCacheSeconds, 0) * 1000))
        self.rootPathBytes = Array(config.rootPath.utf8)
        self.serverHeaderValue = config.serverHeader ? Array(ServerConfig.serverName.utf8) : nil
        self.defaultHeaders = config.defaultHeaders.isEmpty ? nil : Headers(config.defaultHeaders)
        if let limit = config.limitMaxRequests {
            self.requestLimit = limit + (config.limitMaxRequestsJitter > 0 ? Int.random(in: 0...config.limitMaxRequestsJitter) : 0)
        } else {
            self.requestLimit = nil
        }
        self.proxy = config.proxyHeaders ? ProxyHeaders(trusted: config.forwardedAllowIPs) : nil
        let fileLimit = FileLimit.raiseToHard(logger: config.logger)
        self.maxConnections = config.limitMaxConnections ?? FileLimit.defaultMaxConnections(openFileLimit: fileLimit)
    }

    /// Every invalid request at debug; at info one line a second at most, with a count, so that a
    /// flood of bad requests does not flood the log.
    func logInvalidRequest(from client: Scope.Address?, reason: String) {
        logger.debug("Invalid HTTP request from \(client?.description ?? "?"): \(reason)")
        guard let count = invalidRequestLog.admit(now: loop.now) else { return }
        let held = count > 1 ? " (\(count) invalid requests since the last report)" : ""
        logger.info("Invalid HTTP request from \(client?.description ?? "?"): \(reason)\(held)")
    }

    /// Counts a completed response; at the request limit, recycles this server once.
    @inline(__always)
    func requestCompleted() {
        requestsServed &+= 1
        guard let requestLimit, requestsServed == requestLimit else { return }
        logger.info("Maximum number of requests (\(requestLimit)) reached")
        if let action = requestLimitAction {
            action()
        } else {
            shutdown { [loop] in loop.stop() }
        }
    }

    var dateHeaderValue: [UInt8]? { config.dateHeader ? dates.value : nil }

    // MARK: Start

    /// Lifespan startup, then bind and listen. Calls `started` with the bound address or the error.
    /// `serving`: an address to report instead of listening (in-process clients bring their own
    /// connections through ``accept(_:)``).
    func start(serving: SocketAddress? = nil, _ started: @escaping (Result<SocketAddress, any Error>) -> Void) {
        let runner = LifespanRunner(core: self)
        lifespan = runner
        let started = LoopBound(started)
        Task(executorPreference: loop.executor) {
            do {
                try await runner.startup()
                let address: SocketAddress
                if let serving {
                    address = serving
                    self.serverAddress = Scope.Address(host: serving.host, port: serving.port ?? 80)
                } else {
                    address = try self.listen()
                }
                started.value(.success(address))
            } catch {
                started.value(.failure(error))
            }
        }
    }

    private func listen() throws -> SocketAddress {
        let listener: Listener
        if let fd = config.fileDescriptor {
            listener = try Listener.adopt(loop: loop, fileDescriptor: fd, backlog: config.backlog)
        } else if let path = config.unixSocket {
            listener = try Listener.unix(loop: loop, path: path, backlog: config.backlog)
        } else {
            listener = try Listener.tcp(
                loop: loop, host: config.host, port: config.port, reusePort: config.reusePort, backlog: config.backlog)
        }
        do {
            try listener.listen(
                backlog: config.backlog,
                onAccept: { [unowned self] stream in self.accept(stream) },
                onError: { [unowned self] error in
                    // EMFILE/ENFILE: the listener shed the pending connections and keeps going.
                    guard let count = self.acceptErrorLog.admit(now: self.loop.now) else { return }
                    self.logger.warning("accept failed: \(error)\(count > 1 ? " (\(count) times since the last report)" : "")")
                })
        } catch {
            listener.close()
            throw error
        }
        self.listener = listener
        let address = listener.address
        serverAddress = Scope.Address(host: address.host, port: address.port)
        return address
    }

    /// A new connection on `stream` (a libuv stream from the listener, or a test's transport).
    func accept(_ stream: any ConnectionTransport) {
        guard !isShuttingDown else { stream.close(); return }
        let connection = Connection(core: self, stream: stream)
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
        if connections.count > maxConnections {
            // Answered, not dropped: the client learns why, and the ones already open go on.
            if let count = refusedConnectionLog.admit(now: loop.now) {
                logger.warning("over --limit-max-connections (\(maxConnections)): answered 503 to \(count) connection(s)")
            }
            connection.respondDirectly(status: 503, message: "Service Unavailable: too many open connections")
        }
    }

    func connectionClosed(_ connection: any ServedConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
        if isShuttingDown && connections.isEmpty { finishShutdown() }
    }

    /// An HTTP connection became a WebSocket: the same socket, a new owner in the table.
    func replace(_ connection: Connection, with webSocket: WebSocketConnection) {
        connections.removeValue(forKey: ObjectIdentifier(connection))
        connections[ObjectIdentifier(webSocket)] = webSocket
    }

    var connectionCount: Int { connections.count }
    /// Open WebSocket connections (counted when scraped, not kept on the request path).
    var webSocketCount: Int { connections.values.reduce(0) { $0 + ($1 is WebSocketConnection ? 1 : 0) } }

    // MARK: Shutdown

    /// Graceful stop: no new connections, idle ones closed, in-flight requests finish (bounded by
    /// the graceful-shutdown timeout), then lifespan shutdown. `done` runs when all is closed.
    func shutdown(_ done: @escaping () -> Void) {
        shutdownWaiters.append(done)
        guard !isShuttingDown else { return }
        // Connections waiting in the accept queue would be reset by the close: take them in
        // first; each gets the fresh-connection grace to send its request, served with
        // `connection: close`.
        listener?.acceptQueued()
        isShuttingDown = true
        logger.info("Shutting down")
        listener?.close()
        listener = nil
        for connection in connections.values { connection.shutdownGracefully() }
        if connections.isEmpty {
            finishShutdown()
            return
        }
        let timer = LoopTimer(loop: loop)
        timer.start(after: UInt64(max(config.timeoutGracefulShutdown, 0) * 1000)) { [unowned self] in
            self.logger.warning("Graceful shutdown timed out: closing \(self.connections.count) connection(s)")
            for connection in self.connections.values { connection.close() }
        }
        shutdownTimer = timer
    }

    @exclusivity(unchecked) private var finishing = false

    private func finishShutdown() {
        guard !finishing else { return }
        finishing = true
        shutdownTimer?.close()
        shutdownTimer = nil
        Task(executorPreference: loop.executor) {
            await self.lifespan?.shutdown()
            self.lifespan = nil
            self.requestTasks.close()
            self.dates.close()
            self.openFiles.close()
            let waiters = LoopBound(self.shutdownWaiters)
            self.shutdownWaiters.removeAll()
            for waiter in waiters.value { waiter() }
        }
    }
}

extension ServerCore {
    /// A spare exchange that nothing else holds any more (the application of its last request
    /// is done with it), or nil: the caller makes a new one.
    func takeSpareExchange() -> Exchange? {
        while var spare = spareExchanges.popLast() {
            if isKnownUniquelyReferenced(&spare) { return spare }
            // Still held (its application has not returned): dropped, it goes when that does.
        }
        return nil
    }

    /// Keeps the finished `exchange` as a spare when there is room.
    func keepSpareExchange(_ exchange: Exchange) {
        guard spareExchanges.count < Self.maxSpareExchanges else { return }
        if spareExchanges.capacity == 0 { spareExchanges.reserveCapacity(Self.maxSpareExchanges) }
        exchange.park()
        spareExchanges.append(exchange)
    }

    /// Drops the spare exchanges that name `connection` (it is closing): a spare must not keep
    /// a closed connection alive.
    func forgetSpareExchanges(of connection: Connection) {
        guard !spareExchanges.isEmpty else { return }
        spareExchanges.removeAll { $0.connection === connection }
    }

    /// An empty output buffer with room, when one is spare; else an empty array.
    @inline(__always)
    func takeSpareOutput() -> [UInt8] { spareOutputs.popLast() ?? [] }

    /// Takes `buffer` (empty, from a connection going idle) as a spare when it is small and
    /// there is room; `buffer` is left without storage either way.
    func keepSpareOutput(_ buffer: inout [UInt8]) {
        var taken: [UInt8] = []
        swap(&taken, &buffer)
        guard taken.isEmpty, taken.capacity <= Self.maxSpareOutputCapacity, spareOutputs.count < Self.maxSpareOutputs
        else { return }
        if spareOutputs.capacity == 0 { spareOutputs.reserveCapacity(Self.maxSpareOutputs) }
        spareOutputs.append(taken)
    }
}
