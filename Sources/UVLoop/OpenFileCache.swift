import CLibUV

/// Open files kept for a short while and shared by the sends that ask for the same path, as
/// nginx's `open_file_cache` does: a popular file costs one thread-pool `open` per `validity`
/// instead of one per request. A file changed in place is seen at once (sends read the current
/// bytes; the size is the one from `open`, and a file that got shorter ends its send with an
/// error); a file replaced, renamed or deleted may still be served as it was for up to `validity`.
/// Loop-confined: one cache per event loop, no locks.
public final class OpenFileCache {
    private struct Entry {
        let file: OpenedFile
        /// `uv_now` milliseconds after which the entry is opened again.
        let expires: UInt64
    }

    private let loop: EventLoop
    private let validity: UInt64
    private let capacity: Int
    private var entries: [String: Entry] = [:]
    private var sweeper: LoopTimer?
    private var closed = false

    /// `validity` 0 turns the cache off: every call opens the file.
    public init(loop: EventLoop, validityMilliseconds: UInt64, capacity: Int = 256) {
        self.loop = loop
        self.validity = validityMilliseconds
        self.capacity = max(capacity, 1)
    }

    /// Number of files held open (for tests and metrics).
    public var count: Int { entries.count }

    /// The open file at `path`, from the cache while it is valid, else opened on the thread pool
    /// (``EventLoop/openRegularFile(_:)``). Failures are not cached. Loop thread only.
    public func open(_ path: String) async -> Result<OpenedFile, UVError> {
        guard validity > 0, !closed else { return await loop.openRegularFile(path) }
        let now = uv_now(loop.raw)
        if let entry = entries[path], entry.expires > now { return .success(entry.file) }
        let result = await loop.openRegularFile(path)
        guard case .success(let file) = result, !closed else {
            entries[path] = nil
            return result
        }
        if entries.count >= capacity { sweep() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[path] = Entry(file: file, expires: uv_now(loop.raw) + validity)
        startSweeper()
        return result
    }

    /// Closes every cached file (sends under way keep theirs until they end).
    public func removeAll() {
        entries.removeAll()
        sweeper?.stop()
    }

    /// Drops expired entries; a deleted file's space is given back within two validity periods
    /// even when no request comes.
    private func sweep() {
        let now = uv_now(loop.raw)
        entries = entries.filter { $0.value.expires > now }
        if entries.isEmpty { sweeper?.stop() }
    }

    private func startSweeper() {
        if sweeper == nil {
            let timer = LoopTimer(loop: loop)
            timer.unref()
            sweeper = timer
        }
        guard let sweeper, !sweeper.isActive else { return }
        sweeper.start(after: validity, repeat: validity) { [weak self] in self?.sweep() }
    }

    /// Closes the cached files and the sweep timer; the cache opens without caching afterwards.
    public func close() {
        entries.removeAll()
        sweeper?.close()
        sweeper = nil
        closed = true
    }

    deinit { sweeper?.close() }
}
