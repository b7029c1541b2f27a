import Logging
import Synchronization

/// Log records kept in memory, to check what a service logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var messages: [String] { lines.withLock { $0 } }

    func contains(_ text: String) -> Bool { messages.contains { $0.contains(text) } }

    /// A logger (info and up) whose records land here.
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .info
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append("\(event.level) \(event.message)")
        }
    }
}

/// Events an application records (lifespan, requests), in order.
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])

    var all: [String] { events.withLock { $0 } }

    func append(_ event: String) { events.withLock { $0.append(event) } }

    /// Polls (bounded) until `event` was recorded.
    func wait(for event: String, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if all.contains(event) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

/// Whether `task` finished within `timeout` (then cancelled, and not awaited any further).
func finishes<T: Sendable>(_ task: Task<T, any Error>, within timeout: Duration) async -> Bool {
    let pending = Mutex<CheckedContinuation<Bool, Never>?>(nil)
    let finished = await withCheckedContinuation { continuation in
        pending.withLock { $0 = continuation }
        let resume = { @Sendable (value: Bool) in pending.withLock { $0.take() }?.resume(returning: value) }
        Task {
            _ = await task.result; resume(true)
        }
        Task {
            try? await Task.sleep(for: timeout); resume(false)
        }
    }
    if !finished { task.cancel() }
    return finished
}
