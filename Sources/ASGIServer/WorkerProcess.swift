import Glibc
import UVLoop

/// The supervisor's view of one worker process.
final class WorkerProcess {
    enum State { case starting, running, retiring }

    let id: Int
    let process: ChildProcess
    let channel: LineChannel
    var state = State.starting
    let startedAt: UInt64
    var lastPong: UInt64
    /// The worker this one was started to replace (recycling, rolling restart).
    var replaces: WorkerProcess?
    /// Asked to stop by the supervisor (TTOU, recycling, shutdown): its exit is expected.
    var stopRequested = false

    init(id: Int, process: ChildProcess, now: UInt64) {
        self.id = id
        self.process = process
        // A worker's metrics come back as one (long) line.
        self.channel = LineChannel(stream: process.channel, maxLineLength: 16 << 20)
        self.startedAt = now
        self.lastPong = now
    }

    var pid: Int32 { process.pid }

    /// Graceful stop (the worker finishes in-flight requests).
    func terminate() {
        stopRequested = true
        process.kill(SIGTERM)
    }

    func kill() {
        stopRequested = true
        process.kill(SIGKILL)
    }

    /// Human-readable exit reason.
    static func describe(status: Int64, signal: Int32) -> String {
        signal != 0 ? "killed by signal \(signal)" : "exit status \(status)"
    }
}
