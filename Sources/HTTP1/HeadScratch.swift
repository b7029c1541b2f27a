/// What a parser needs only while it reads a head (or a trailer section): the scanner with its
/// scratch buffers and pre-sized `Headers`, and the target cache — about 1.5 KB.
///
/// An idle keep-alive connection needs none of it, so a parser takes a set from a per-thread pool
/// (`HeadScratch+Pool.swift`) when the first byte of a head arrives and gives it back when the head
/// is complete, when it fails, and in `deinit`. A head cut across reads keeps its set until it is
/// complete. 2,000 idle connections then cost a few sets per thread instead of 2,000.
struct HeadScratch: ~Copyable {
    var scanner = HeadScanner()
    /// The last target seen by this set; sets are reused last-in first-out, so a loop serving the
    /// same few URLs still mostly hits.
    var targets = TargetCache()
    /// The process-wide http-parser callbacks, here so that the parser need not store them and
    /// the hot path needs no lazy-global check.
    let settings = HTTPParserSettings.shared.pointer
    /// The free list this set goes back to (see `HeadScratch+Pool.swift`).
    var home: UnsafeMutablePointer<FreeList>
    /// The next free set while this one is in a pool.
    var next: UnsafeMutablePointer<HeadScratch>?

    init(home: UnsafeMutablePointer<FreeList>) { self.home = home }

    /// Whether the buffers are small enough to be worth keeping in a pool (a head near the size
    /// limits grows them to kilobytes: those are freed rather than kept).
    var isPoolable: Bool { scanner.retainedCapacity <= HeadScratch.maxPooledCapacity }

    /// Bytes of scratch capacity above which a set is freed rather than pooled.
    static let maxPooledCapacity = 4096
}
