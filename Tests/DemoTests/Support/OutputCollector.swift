import Foundation

/// Drains one pipe of a child process on a thread of its own (so the child never blocks on a full
/// pipe) and lets tests wait, bounded, for what they expect to appear in it.
final class OutputCollector: @unchecked Sendable {
    // Safety: `buffer` and `finished` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var buffer = Data()
    private var finished = false

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData  // blocks; empty at end of file
                condition.lock()
                if chunk.isEmpty { finished = true } else { buffer.append(chunk) }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { return }
            }
        }
        thread.name = "output-collector"
        thread.start()
    }

    var data: Data {
        condition.lock()
        defer { condition.unlock() }
        return buffer
    }

    var text: String { String(decoding: data, as: UTF8.self) }

    /// Waits until `predicate` holds for the output so far, or end of file, or `timeout`.
    /// Returns the predicate's last answer.
    @discardableResult
    func wait(timeout: Duration, until predicate: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if predicate(String(decoding: buffer, as: UTF8.self)) { return true }
            if finished || !condition.wait(until: deadline) {
                return predicate(String(decoding: buffer, as: UTF8.self))
            }
        }
    }

    /// Waits (bounded) for end of file: the writer closed its end, normally by exiting.
    @discardableResult
    func waitForEnd(timeout: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        condition.lock()
        defer { condition.unlock() }
        while !finished {
            if !condition.wait(until: deadline) { return finished }
        }
        return true
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
