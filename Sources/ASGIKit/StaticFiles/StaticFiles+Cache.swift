import Glibc
import Synchronization

extension StaticFiles {
    /// Lookups remembered now (bounded by the cache's capacity).
    public var cachedLookups: Int { cache.count }

    /// Lookups remembered for a short while (`cacheSeconds`), so a popular file costs one trip to
    /// the blocking pool per period rather than one per request; the server's own open-file cache
    /// does the same for the descriptor. Bounded: past `capacity` entries the table starts over,
    /// so a client asking for endless different paths cannot grow it.
    final class LookupCache: Sendable {
        private struct Entry {
            let lookup: Lookup
            let expires: UInt64
        }

        private let validity: UInt64
        private let capacity: Int
        private let entries = Mutex<[[UInt8]: Entry]>([:])

        /// `seconds` 0 turns the cache off.
        init(seconds: Double, capacity: Int = 1024) {
            self.validity = UInt64(max(seconds, 0) * 1_000_000_000)
            self.capacity = capacity
        }

        var count: Int { entries.withLock { $0.count } }

        func lookup(_ relative: [UInt8]) -> Lookup? {
            guard validity > 0 else { return nil }
            let now = Self.now()
            return entries.withLock { table in
                guard let entry = table[relative], entry.expires > now else { return nil }
                return entry.lookup
            }
        }

        func store(_ lookup: Lookup, for relative: [UInt8]) {
            guard validity > 0 else { return }
            let expires = Self.now() + validity
            entries.withLock { table in
                if table.count >= capacity { table.removeAll(keepingCapacity: true) }
                table[relative] = Entry(lookup: lookup, expires: expires)
            }
        }

        /// Monotonic nanoseconds from the coarse clock (no system call: the vDSO reads it).
        private static func now() -> UInt64 {
            var time = timespec()
            clock_gettime(CLOCK_MONOTONIC_COARSE, &time)
            return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        }
    }
}
