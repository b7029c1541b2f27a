import Glibc
import Logging

/// The process' open-file limit (`RLIMIT_NOFILE`), which bounds the connections a worker can hold.
enum FileLimit {
    /// Raises the soft limit to the hard one (a container's default soft limit of 1024 would cap a
    /// worker at about a thousand connections) and returns the soft limit now in force.
    static func raiseToHard(logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        // An unlimited hard limit cannot be the soft one: the kernel caps it at fs.nr_open.
        let target = limit.rlim_max == rlim_t.max ? rlim_t(1 << 20) : limit.rlim_max
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 {
                limit = raised
            } else {
                logger.debug("could not raise the open-file limit to \(target): \(String(cString: strerror(errno)))")
            }
        }
        let soft = Int(clamping: limit.rlim_cur)
        logger.debug("open-file limit: \(soft)")
        return soft
    }

    /// The default of `--limit-max-connections` for an open-file limit: the limit less a reserve of
    /// min(256, limit / 4) descriptors for the listener, Redis, the loop, files and pipes, so that a
    /// connection past the cap can still be accepted and answered 503.
    static func defaultMaxConnections(openFileLimit limit: Int) -> Int {
        max(1, limit - min(256, limit / 4))
    }
}
