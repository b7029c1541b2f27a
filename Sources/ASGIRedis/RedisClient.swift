import CHiredis
import CRedisUV
import CoreMetrics
public import Logging
public import UVLoop

/// A Redis client on a worker's own event loop: hiredis' async API through our libuv adapter, so
/// a round trip costs no thread hop and the awaiting task resumes on the loop thread.
///
/// Loop-confined: create it, call it and close it on the loop thread (from tasks whose executor
/// preference is `loop.executor`). Commands awaited by concurrent tasks during one loop turn go
/// out in one write (automatic pipelining). While Redis is unreachable commands fail at once with
/// an error whose ``RedisError/isUnavailable`` is true, and the client reconnects by itself with
/// capped exponential backoff, re-sending AUTH and SELECT.
///
/// ```swift
/// let redis = RedisClient(configuration: try RedisConfiguration(url: RedisConfiguration.defaultURL), loop: loop)
/// await redis.connect()
/// try await redis.set(Array("greeting".utf8), Array("hello".utf8))
/// let value = try await redis.get(Array("greeting".utf8))   // [UInt8]? — nil when missing
/// await redis.close()
/// ```
public final class RedisClient: @unchecked Sendable {
    // Safety: loop-confined. Request tasks of one worker share the client (hence Sendable), but
    // every entry point runs on the loop thread only, checked by a precondition (pthread_equal);
    // the C adapter calls back on that thread too.
    enum State {
        /// Created, connect() not called yet.
        case idle
        /// TCP/unix connect in progress.
        case connecting
        /// Connected; AUTH/SELECT/PING sent, waiting for their replies.
        case handshaking
        /// Commands are accepted.
        case ready
        /// Between attempts (backoff timer running).
        case waiting
        case closed
    }

    static let initialBackoffMilliseconds: UInt64 = 50

    public let configuration: RedisConfiguration
    public let loop: EventLoop
    let logger: Logger
    let resolver: RedisHostResolver
    /// Addresses of the current attempt's lookup not tried yet.
    var candidates: [String] = []
    /// Cancels the lookup in flight; its completion ignores results of older generations.
    var lookupCancel: (() -> Void)?
    var lookupGeneration: UInt64 = 0

    var state = State.idle
    /// The connection being set up or in use.
    var current: RedisConnection?
    var nextConnectionID: UInt64 = 0
    /// Adapters not yet closed (close() waits for them, so the loop can close cleanly).
    var openConnections = 0
    /// Why there is no connection, for the errors of commands issued meanwhile.
    var lastError = "connect() not called"
    var backoff = RedisClient.initialBackoffMilliseconds
    var everReady = false
    /// Whether the current outage was already logged at warning level.
    var outageLogged = false
    var deadlines = DeadlineQueue()
    var counters = RedisClientStats()
    /// The same counts for swift-metrics (Prometheus under the server's `--metrics-port`):
    /// `redis_commands_total`, `redis_errors_total` (transport failures and error replies),
    /// `redis_reconnects_total`, shared by every client of the process.
    let metrics = (
        commands: Counter(label: "redis_commands_total"), errors: Counter(label: "redis_errors_total"),
        reconnects: Counter(label: "redis_reconnects_total")
    )
    /// Written by the C adapter on every socket write.
    let writeCounter: UnsafeMutablePointer<UInt64>
    let timeoutTimer: LoopTimer
    var timeoutTimerStarted = false
    let connectTimer: LoopTimer
    let reconnectTimer: LoopTimer
    var attemptWaiters: [UnsafeContinuation<Void, Never>] = []
    /// Set when this client is a ``RedisSubscriber``'s connection: told when it becomes ready
    /// and when it is lost, and handed every pub/sub push.
    weak var linkObserver: (any RedisLinkObserver)?
    var closeWaiters: [UnsafeContinuation<Void, Never>] = []

    /// Creates a client; nothing happens until ``connect()``. Call on the loop thread. A host name
    /// in the configuration is looked up with `resolver` before every (re)connect.
    public init(
        configuration: RedisConfiguration, loop: EventLoop, logger: Logger = Logger(label: "redis"),
        resolver: RedisHostResolver = .system
    ) {
        precondition(loop.isInLoopThread, "RedisClient must be created on its loop's thread")
        self.configuration = configuration
        self.resolver = resolver
        self.loop = loop
        self.logger = logger
        writeCounter = .allocate(capacity: 1)
        writeCounter.initialize(to: 0)
        timeoutTimer = LoopTimer(loop: loop)
        connectTimer = LoopTimer(loop: loop)
        reconnectTimer = LoopTimer(loop: loop)
    }

    deinit {
        // Only reachable when no connection is open (each holds its client).
        timeoutTimer.close()
        connectTimer.close()
        reconnectTimer.close()
        writeCounter.deallocate()
    }

    /// True when commands are accepted: connected, authenticated, database selected.
    public var isConnected: Bool {
        precondition(loop.isInLoopThread, "RedisClient is confined to its loop's thread")
        return state == .ready
    }

    /// Counters for the pipelining report (`commandsSent / writes`) and health pages.
    public var stats: RedisClientStats {
        precondition(loop.isInLoopThread, "RedisClient is confined to its loop's thread")
        var stats = counters
        stats.writes = writeCounter.pointee
        return stats
    }

    /// The loop's cached time in milliseconds.
    var now: UInt64 { credisuv_now(loop.raw) }

    /// Sends one command (always `redisAsyncCommandArgv`: binary-safe, nothing is formatted into
    /// a command string) and waits for its reply. A RESP error reply is returned as
    /// ``RedisReply/error(_:)``; thrown errors are transport errors (``RedisError/isUnavailable``).
    ///
    /// ```swift
    /// let reply = try await redis.command([Array("HSET".utf8), key, field, value])
    /// ```
    nonisolated(nonsending) public func command(_ args: [[UInt8]]) async throws(RedisError) -> RedisReply {
        precondition(loop.isInLoopThread, "RedisClient is confined to its loop's thread")
        guard state == .ready, let connection = current, let adapter = connection.adapter else {
            metrics.errors.increment()
            throw RedisError(.notConnected(lastError))
        }
        if let name = args.first, Self.isUnsupported(name) {
            throw RedisError(.unsupportedCommand(String(decoding: name, as: UTF8.self)))
        }
        let result = await withUnsafeContinuation { (continuation: PendingCommand.Completion) in
            let command = PendingCommand(
                deadline: now + configuration.commandTimeoutMilliseconds, connectionID: connection.id,
                continuation: continuation)
            send(command, args, on: adapter)
        }
        switch result {
        case .failure, .success(.error): metrics.errors.increment()
        default: break
        }
        return try result.get()
    }

    /// Commands after which hiredis would call one callback several times (pub/sub, MONITOR) or
    /// could not parse the replies (HELLO → RESP3): their privdata would be released twice.
    static func isUnsupported(_ name: [UInt8]) -> Bool {
        guard name.count >= 5, name.count <= 12 else { return false }
        let upper = String(decoding: name.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
        switch upper {
        case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR", "HELLO":
            return true
        default:
            return false
        }
    }

    /// Hands a command to hiredis; its reply arrives through ``redisReplyCallback``.
    func send(_ command: PendingCommand, _ args: [[UInt8]], on adapter: OpaquePointer) {
        let privdata = Unmanaged.passRetained(command).toOpaque()
        let status = Argv.with(args) { argc, argv, lengths in
            credisuv_command(adapter, redisReplyCallback, privdata, argc, argv, lengths)
        }
        guard status == REDIS_OK else {
            Unmanaged<PendingCommand>.fromOpaque(privdata).release()
            command.complete(.failure(RedisError(.notConnected("the connection is closing"))))
            return
        }
        counters.commandsSent += 1
        metrics.commands.increment()
        guard command.deadline != .max else { return }
        deadlines.append(command)
        if !timeoutTimer.isActive { armTimeoutTimer() }
    }

    /// A reply (or failure) was delivered: drop finished commands off the deadline queue.
    func commandCompleted() {
        deadlines.dropCompletedHead()
    }

    // MARK: - Timeouts

    func armTimeoutTimer() {
        guard let head = deadlines.first, state != .closed else { return }
        let current = now
        let delay = head.deadline > current ? head.deadline - current : 0
        if timeoutTimerStarted {
            timeoutTimer.restart(after: delay)
        } else {
            timeoutTimerStarted = true
            timeoutTimer.start(after: delay) { [unowned self] in self.expireCommands() }
        }
    }

    /// Fails every command past its deadline. A timeout on the current connection drops it (like
    /// redis-py's socket timeout): Redis answers in order, so everything behind is stuck too, and
    /// a stalled connection would otherwise collect commands without bound.
    func expireCommands() {
        let current = now
        var stalled: RedisConnection?
        deadlines.dropCompletedHead()
        while let head = deadlines.first, head.deadline <= current {
            _ = deadlines.removeFirst()
            counters.timeouts += 1
            if let connection = self.current, connection.id == head.connectionID { stalled = connection }
            head.complete(.failure(RedisError(.timeout(milliseconds: configuration.commandTimeoutMilliseconds))))
            deadlines.dropCompletedHead()
        }
        if let stalled, state == .ready {
            dropConnection(stalled, reason: "no reply within \(configuration.commandTimeoutMilliseconds) ms")
        }
        armTimeoutTimer()
    }
}
