import Glibc
import Logging
import UVLoop

/// The master process of `--workers N`: starts N copies of its own executable as workers (each
/// with its own SO_REUSEPORT listener and loop), restarts a worker that dies, replaces one that
/// stops answering health checks, and handles TERM/INT (graceful stop), HUP (rolling restart),
/// TTIN/TTOU (one worker more/less). It never touches a request: the request path is the same as
/// a single-process server's.
///
/// A worker that dies before it ever reported `ready` is a start-up failure: if no worker has
/// started yet (or three in a row failed), the supervisor stops everything and exits non-zero
/// instead of restarting in a loop.
final class Supervisor {
    struct Settings {
        var workers: Int
        var healthcheckTimeout: Double
        var gracefulTimeout: Double
        var executable: String
        var arguments: [String]
        var reloadPaths: [String]
        /// Passed to every worker as fds 4... (a shared Unix socket or `--fd`).
        var inheritedFileDescriptors: [Int32] = []
        /// The metrics endpoint, served here with every worker's numbers summed.
        var metricsHost = "127.0.0.1"
        var metricsPort: Int?
    }

    static let workerIDVariable = "SWIFTASGI_WORKER_ID"
    /// Set for a worker that inherits the supervisor's listening socket (descriptor 4), whatever
    /// its arguments say.
    static let listenerVariable = "SWIFTASGI_WORKER_LISTENER_FD"
    static let startupFailureExitCode: Int32 = 3

    let settings: Settings
    let logger: Logger
    let loop: EventLoop
    private(set) var workers: [WorkerProcess] = []
    private var desired: Int
    private var nextID = 1
    private var everReady = false
    private var startupFailuresInARow = 0
    private var stopping = false
    private var exitCode: Int32 = 0
    /// Workers still to be replaced by the rolling restart in progress.
    private var rollQueue: [WorkerProcess] = []
    /// The replacement being started, and the worker it replaces (stopped once it is ready).
    private var rollNew: WorkerProcess?
    private var rollOld: WorkerProcess?
    private var signals: [SignalWatcher] = []
    private var healthTimer: LoopTimer?
    private var killTimer: LoopTimer?
    private var watchers: [FileWatcher] = []
    private var reloadTimer: LoopTimer?
    /// Workers started in place of one that died, was killed, recycled or rolled.
    var restarts = 0
    var metricsEndpoint: ServerCore?
    /// Scrapes waiting for the workers' answers.
    var metricsRequests: [MetricsRequest] = []

    init(settings: Settings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        self.desired = settings.workers
        self.loop = try EventLoop()
    }

    /// Runs until every worker stopped; returns the process exit code.
    func run() throws -> Int32 {
        logger.info("Started supervisor process [\(getpid())] with \(settings.workers) worker(s)")
        SignalWatcher.unblock([SIGTERM, SIGINT, SIGHUP, SIGTTIN, SIGTTOU, SIGCHLD])
        for (signal, action) in [(SIGTERM, stop), (SIGINT, stop), (SIGHUP, rollingRestart), (SIGTTIN, addWorker), (SIGTTOU, removeWorker)]
            as [(Int32, () -> Void)]
        {
            signals.append(try SignalWatcher(loop: loop, signal: signal) { _ in action() })
        }
        try startMetricsEndpoint()
        for _ in 0..<settings.workers { spawn(replacing: nil) }
        startHealthChecks()
        startReloadWatch()
        loop.run()
        for watcher in signals { watcher.close() }
        healthTimer?.close()
        killTimer?.close()
        reloadTimer?.close()
        for watcher in watchers { watcher.close() }
        loop.close()
        logger.info("Supervisor stopped")
        return exitCode
    }

    // MARK: Workers

    private func spawn(replacing old: WorkerProcess?) {
        guard !stopping else { return }
        let id = nextID
        nextID += 1
        var environment = ProcessEnvironment.current()
        environment.set(Supervisor.workerIDVariable, String(id))
        if !settings.inheritedFileDescriptors.isEmpty { environment.set(Supervisor.listenerVariable, "4") }
        do {
            var worker: WorkerProcess?
            let process = try ChildProcess(
                loop: loop, executable: settings.executable, arguments: settings.arguments,
                environment: environment.strings,
                inheritedFileDescriptors: settings.inheritedFileDescriptors
            ) { [unowned self] status, signal in
                if let worker { self.exited(worker, status: status, signal: signal) }
            }
            let created = WorkerProcess(id: id, process: process, now: loop.now)
            worker = created
            created.replaces = old
            created.channel.onLine = { [unowned self, unowned created] line in self.message(line, from: created) }
            workers.append(created)
            logger.info("Started worker \(id) [\(process.pid)]")
        } catch {
            logger.critical("Cannot start a worker process (\(settings.executable)): \(error)")
            exitCode = Supervisor.startupFailureExitCode
            stop()
        }
    }

    private func message(_ line: String, from worker: WorkerProcess) {
        switch line {
        case "ready":
            worker.state = .running
            worker.lastPong = loop.now
            everReady = true
            startupFailuresInARow = 0
            if let old = worker.replaces {
                worker.replaces = nil
                logger.info("Worker \(worker.id) [\(worker.pid)] ready: stopping worker \(old.id) [\(old.pid)]")
                old.terminate()
            }
        case "pong":
            worker.lastPong = loop.now
        case "recycle":
            guard worker.state == .running, !stopping else { return }
            logger.info("Worker \(worker.id) [\(worker.pid)] reached its request limit: replacing it")
            worker.state = .retiring
            rollQueue.append(worker)
            advanceRoll()
        default:
            if line.hasPrefix("metrics ") {
                metricsArrived(MetricsExport.unescape(line.dropFirst(8)), from: worker)
                return
            }
            logger.debug("worker \(worker.id): unexpected message '\(line)'")
        }
    }

    private func exited(_ worker: WorkerProcess, status: Int64, signal: Int32) {
        workers.removeAll { $0 === worker }
        worker.channel.close()
        metricsWorkerGone(worker)
        let how = WorkerProcess.describe(status: status, signal: signal)
        if stopping {
            logger.info("Worker \(worker.id) [\(worker.pid)] stopped (\(how))")
            if workers.isEmpty { loop.stop() }
            return
        }
        if worker.state == .starting {
            startupFailuresInARow += 1
            logger.error("Worker \(worker.id) [\(worker.pid)] failed to start (\(how))")
            if !everReady || startupFailuresInARow >= 3 {
                logger.critical("Workers fail at start-up: stopping instead of restarting them in a loop")
                exitCode = Supervisor.startupFailureExitCode
                stop()
                return
            }
            if let old = worker.replaces {
                // A replacement that cannot start leaves the old worker serving; the roll stops.
                old.state = .running
                logger.error("Keeping worker \(old.id) [\(old.pid)]: its replacement could not start")
                rollNew = nil
                rollOld = nil
                rollQueue.removeAll()
                return
            }
        } else if worker.stopRequested {
            logger.info("Worker \(worker.id) [\(worker.pid)] stopped (\(how))")
        } else {
            logger.error("Worker \(worker.id) [\(worker.pid)] died (\(how)): starting a new one")
        }
        if rollOld === worker {
            rollOld = nil
            rollNew = nil
        } else if rollNew === worker {
            rollNew = nil
            rollOld?.state = .running
            rollOld = nil
        }
        // Workers not asked to stop (a retiring one still serves until its replacement is ready).
        let serving = workers.filter { !$0.stopRequested }.count
        if serving < desired {
            restarts += 1
            spawn(replacing: nil)
        }
        advanceRoll()
    }

    // MARK: Signals

    private func stop() {
        guard !stopping else { return }
        stopping = true
        stopMetricsEndpoint()
        logger.info("Stopping \(workers.count) worker(s)")
        healthTimer?.stop()
        for worker in workers { worker.terminate() }
        if workers.isEmpty { loop.stop(); return }
        let timer = LoopTimer(loop: loop)
        timer.start(after: UInt64((settings.gracefulTimeout + 5) * 1000)) { [unowned self] in
            for worker in self.workers {
                self.logger.warning("Worker \(worker.id) [\(worker.pid)] did not stop in time: killing it")
                worker.kill()
            }
        }
        killTimer = timer
    }

    /// Replaces every worker, one at a time, each new one serving before its old one stops.
    private func rollingRestart() {
        guard !stopping else { return }
        logger.info("Rolling restart of \(workers.count) worker(s)")
        for worker in workers where worker.state == .running && !rollQueue.contains(where: { $0 === worker }) {
            rollQueue.append(worker)
        }
        advanceRoll()
    }

    private func advanceRoll() {
        guard !stopping, rollNew == nil, rollOld == nil else { return }
        while let old = rollQueue.first {
            rollQueue.removeFirst()
            guard workers.contains(where: { $0 === old }) else { continue }
            old.state = .retiring
            rollOld = old
            restarts += 1
            spawn(replacing: old)
            rollNew = workers.last
            return
        }
    }

    private func addWorker() {
        guard !stopping else { return }
        desired += 1
        logger.info("TTIN: now \(desired) worker(s)")
        spawn(replacing: nil)
    }

    private func removeWorker() {
        guard !stopping, desired > 1 else { return }
        desired -= 1
        logger.info("TTOU: now \(desired) worker(s)")
        if let worker = workers.last(where: { $0.state == .running }) {
            worker.state = .retiring
            worker.terminate()
        }
    }

    // MARK: Health checks and reload

    private func startHealthChecks() {
        guard settings.healthcheckTimeout > 0 else { return }
        let interval = UInt64(max(100, min(settings.healthcheckTimeout * 1000 / 3, 5000)))
        let timeout = UInt64(settings.healthcheckTimeout * 1000)
        let timer = LoopTimer(loop: loop)
        timer.start(after: interval, repeat: interval) { [unowned self] in
            let now = loop.now
            for worker in workers where worker.state != .starting && !worker.stopRequested {
                if now &- worker.lastPong > timeout {
                    logger.error("Worker \(worker.id) [\(worker.pid)] did not answer health checks for \(settings.healthcheckTimeout)s: killing it")
                    worker.process.kill(SIGKILL)
                } else {
                    worker.channel.send("ping")
                }
            }
        }
        healthTimer = timer
    }

    private func startReloadWatch() {
        guard !settings.reloadPaths.isEmpty else { return }
        for path in settings.reloadPaths {
            do {
                watchers.append(try FileWatcher(loop: loop, path: path) { [unowned self] _ in self.scheduleReload() })
                logger.info("Watching \(path) for changes")
            } catch {
                logger.warning("Cannot watch \(path): \(error)")
            }
        }
    }

    private func scheduleReload() {
        // A build rewrites files in bursts: wait until it settles.
        let timer = reloadTimer ?? LoopTimer(loop: loop)
        reloadTimer = timer
        timer.start(after: 500) { [unowned self] in
            var status = stat()
            guard stat(settings.executable, &status) == 0, status.st_mode & S_IXUSR != 0 else { return }
            logger.info("Change detected: reloading workers")
            rollingRestart()
        }
    }
}
