/// A FIFO of jobs for the loop thread: a growable ring buffer, no allocation in steady state.
struct JobQueue {
    private var storage: [UnownedJob?] = Array(repeating: nil, count: 256)
    private var head = 0
    private var tail = 0
    private var mask = 255

    var isEmpty: Bool { head == tail }

    @inline(__always)
    mutating func push(_ job: UnownedJob) {
        storage[tail & mask] = job
        tail &+= 1
        if tail &- head > mask { grow() }
    }

    @inline(__always)
    mutating func pop() -> UnownedJob? {
        guard head != tail else { return nil }
        let job = storage[head & mask]
        storage[head & mask] = nil
        head &+= 1
        return job
    }

    private mutating func grow() {
        var bigger = [UnownedJob?](repeating: nil, count: storage.count * 2)
        var i = 0
        while head != tail {
            bigger[i] = storage[head & mask]
            head &+= 1
            i += 1
        }
        storage = bigger
        head = 0
        tail = i
        mask = storage.count - 1
    }
}
