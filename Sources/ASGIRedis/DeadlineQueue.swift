import DequeModule

/// FIFO of commands in send order. Every command has the same timeout, so deadlines are
/// non-decreasing and the head always expires first: one timer armed for the head serves all.
/// Completed commands are dropped from the head eagerly (replies arrive in send order).
struct DeadlineQueue {
    private var items = Deque<PendingCommand>()
    /// The most commands queued since the queue was last empty: after a burst of more than
    /// 4096, the storage is given back once the queue drains.
    private var peak = 0

    var isEmpty: Bool { items.isEmpty }

    var first: PendingCommand? { items.first }

    mutating func append(_ command: PendingCommand) {
        items.append(command)
        peak = max(peak, items.count)
    }

    mutating func removeFirst() -> PendingCommand {
        let command = items.removeFirst()
        if items.isEmpty {
            if peak > 4096 { items = Deque() }
            peak = 0
        }
        return command
    }

    /// Pops completed commands off the head.
    mutating func dropCompletedHead() {
        while let command = first, command.isDone { _ = removeFirst() }
    }

    /// Removes and returns everything (close).
    mutating func removeAll() -> [PendingCommand] {
        let rest = Array(items)
        items = Deque()
        peak = 0
        return rest
    }
}
