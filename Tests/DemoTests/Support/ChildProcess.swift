import Foundation
import Glibc
import Testing

/// A child process with its stdout and stderr drained and its exit awaited with a bound.
final class ChildProcess: @unchecked Sendable {
    // Safety: `process` is configured before `run()` and afterwards only read; the collectors and
    // the exit semaphore are thread-safe themselves.
    let process = Process()
    let stdout: OutputCollector
    let stderr: OutputCollector
    private let stdinPipe: Pipe?
    private let exited = DispatchSemaphore(value: 0)
    let command: String

    /// Starts `executable` (a path, or a name looked up on PATH) with `arguments`.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: Bool = false) throws {
        command = ([executable] + arguments).joined(separator: " ")
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        stdinPipe = stdin ? Pipe() : nil
        process.standardInput = stdinPipe ?? FileHandle.nullDevice
        let exited = exited
        process.terminationHandler = { _ in exited.signal() }
        try Self.runWithSignalsUnblocked(process)
        self.stdout = OutputCollector(out)
        self.stderr = OutputCollector(err)
    }

    /// Starts `process` from a thread with no blocked signals. A child inherits the signal mask of
    /// the thread that spawns it, and the test runner's worker threads block SIGTERM and SIGINT
    /// (libdispatch), so a server spawned from them would never see the SIGTERM these tests send.
    private static func runWithSignalsUnblocked(_ process: Process) throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = SpawnOutcome()
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do { try process.run() } catch { outcome.error = error }
            // Block them again before this thread can receive a signal meant for the runner.
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_SETMASK, &all, nil)
            done.signal()
        }
        thread.start()
        done.wait()
        if let error = outcome.error { throw error }
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func send(signal: Int32) { kill(pid, signal) }

    func writeToStdin(_ text: String) {
        stdinPipe?.fileHandleForWriting.write(Data(text.utf8))
    }

    func closeStdin() {
        try? stdinPipe?.fileHandleForWriting.close()
    }

    /// Waits for the exit (bounded) and returns the exit status, or nil on timeout or when the
    /// process died of a signal.
    func waitForExit(timeout: Duration) -> Int32? {
        guard exited.wait(timeout: .now() + timeout.seconds) == .success else { return nil }
        exited.signal()  // later callers see it exited too
        stdout.waitForEnd(timeout: .seconds(5))
        stderr.waitForEnd(timeout: .seconds(5))
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// Kills it if it still runs (a failed test must not leave processes behind).
    func killIfRunning() {
        if process.isRunning {
            kill(pid, SIGKILL)
            _ = exited.wait(timeout: .now() + 5)
        }
    }

    deinit { killIfRunning() }
}

/// The outcome of a finished command.
struct CommandResult: Sendable {
    let command: String
    let status: Int32?
    let stdout: Data
    let stderr: String

    var text: String { String(decoding: stdout, as: UTF8.self) }
    var succeeded: Bool { status == 0 }
}

/// Runs a command to completion (bounded; killed on timeout) and returns what it printed.
func runCommand(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    timeout: Duration = .seconds(60)
) throws -> CommandResult {
    let child = try ChildProcess(executable, arguments, environment: environment)
    let status = child.waitForExit(timeout: timeout)
    if status == nil { child.killIfRunning() }
    return CommandResult(command: child.command, status: status, stdout: child.stdout.data, stderr: child.stderr.text)
}

private final class SpawnOutcome: @unchecked Sendable {
    // Safety: written by the spawning thread before it signals the semaphore the reader waits on.
    var error: (any Error)?
}

/// Every suite that runs `asgi-demo` (or another program) as a child process. Their tests are
/// synchronous: they block the thread the test library gives them, one of the few threads of the
/// cooperative pool, while they wait for a child's output or exit. Side by side, they held every
/// such thread for many seconds at the start of a test run, and the in-process servers' tests
/// (whose handlers and clients need one) waited behind them with their timeouts running. One at a
/// time, they hold one thread and the others stay free.
@Suite(.serialized) enum DemoProcessSuites {}
