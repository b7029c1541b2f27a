/// FIFO of commands in send order. Every command has the same timeout, so deadlines are
/// non-decreasing and the head always expires first: one timer armed for the head serves all.
/// Completed commands are dropped from the head eagerly (replies arrive in send order).
struct DeadlineQueue {
    private var items: [PendingCommand?] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    var first: PendingCommand? { isEmpty ? nil : items[head] }

    mutating func append(_ command: PendingCommand) {
        items.append(command)
    }

    mutating func removeFirst() -> PendingCommand {
        let command = items[head]!
        items[head] = nil
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: items.count <= 4096)
            head = 0
        } else if head >= 1024 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return command
    }

    /// Pops completed commands off the head.
    mutating func dropCompletedHead() {
        while let command = first, command.isDone { _ = removeFirst() }
    }

    /// Removes and returns everything (close).
    mutating func removeAll() -> [PendingCommand] {
        let rest = items[head...].compactMap { $0 }
        items.removeAll()
        head = 0
        return rest
    }
}
