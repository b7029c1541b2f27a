import DequeModule
import Glibc

/// The FIFO queue and the threads behind ``BlockingPool``: a pthread mutex and condition
/// variable, worker threads started on demand and parked on the condition when idle.
final class BlockingQueue: @unchecked Sendable {
    // Safety: every stored var is read and written with `mutex` held; `mutex` and `condition`
    // are allocated once and freed in deinit, which runs after the last worker released `self`.
    typealias Job = @Sendable () -> Void

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let maxThreads: Int
    /// Jobs allowed to wait for a thread (nil: no bound).
    private let maxQueued: Int?
    private var jobs = Deque<Job>()
    private var threads = 0
    private var idle = 0
    private var closed = false

    init(maxThreads: Int, maxQueued: Int?) {
        self.maxThreads = maxThreads
        self.maxQueued = maxQueued
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    var threadCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return threads
    }

    /// Queues `job`; false (and `job` dropped) when `maxQueued` jobs already wait for a thread.
    func submit(_ job: @escaping Job) -> Bool {
        pthread_mutex_lock(mutex)
        // Jobs beyond the idle threads and the threads still to start wait in the queue.
        let waiting = jobs.count - idle - (maxThreads - threads)
        if let maxQueued, waiting >= maxQueued {
            pthread_mutex_unlock(mutex)
            return false
        }
        jobs.append(job)
        // Idle threads (woken or about to be) take one queued job each; start a thread for the rest.
        let startThread = jobs.count > idle && threads < maxThreads
        if startThread { threads += 1 }
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        if startThread { spawn() }
        return true
    }

    /// Lets the workers exit once the queue is empty.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    private func spawn() {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { context in
                let queue = Unmanaged<BlockingQueue>.fromOpaque(context!).takeRetainedValue()
                queue.work()
                return nil
            }, context)
        precondition(result == 0, "BlockingPool: pthread_create failed (\(result))")
        pthread_detach(thread)
    }

    /// A worker's life: take the oldest job, run it unlocked, repeat; park when there is none.
    private func work() {
        pthread_mutex_lock(mutex)
        while true {
            while jobs.isEmpty && !closed {
                idle += 1
                pthread_cond_wait(condition, mutex)
                idle -= 1
            }
            guard let job = jobs.popFirst() else { break }
            pthread_mutex_unlock(mutex)
            job()
            pthread_mutex_lock(mutex)
        }
        threads -= 1
        pthread_mutex_unlock(mutex)
    }
}
