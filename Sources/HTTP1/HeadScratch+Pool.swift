import Glibc
import Synchronization

/// A per-thread free list of `HeadScratch` sets.
///
/// The server runs one loop per thread and a parser's `feed` is synchronous, so a set is taken
/// and given back on one thread without locks; the list lives in a pthread key (HTTP1 knows
/// nothing of the loop). Each list keeps at most `poolLimit` sets; beyond that a set is freed.
///
/// A set remembers the list it came from (`home`): giving it back on the thread that owns that
/// list (nearly always: the parser of a connection runs on its loop's thread) needs only
/// `pthread_self`, not a key lookup. A parser freed on another thread gives its set to that
/// thread's list. When a thread exits, the key's destructor frees the sets of its list, marks the
/// list ownerless and retires it for reuse by a later thread; a list is never freed (sets lent
/// out may still name it as `home`), so lists number at most the threads alive at once.
extension HeadScratch {
    /// Free sets kept per thread.
    static let poolLimit = 8

    struct FreeList: ~Copyable {
        var top: UnsafeMutablePointer<HeadScratch>?
        var count = 0
        /// The thread whose key holds this list; 0 once that thread has exited. Atomic: a set
        /// given back on another thread reads it while the owner may be exiting.
        let owner: Atomic<pthread_t>

        init(owner: pthread_t) { self.owner = Atomic(owner) }
    }

    /// Lists of exited threads (addresses), reused by new threads.
    private static let retiredLists = Mutex<[UInt]>([])

    /// The pthread key, plus one (0: not created yet). Atomic with a literal initial value: read
    /// without a `swift_once` on every take.
    private static let poolKeyPlusOne = Atomic<UInt32>(0)

    /// A set from this thread's pool, or a new one. The caller resets its scanner.
    @inline(__always)
    static func take() -> UnsafeMutablePointer<HeadScratch> {
        let key = poolKeyPlusOne.load(ordering: .relaxed)
        if key != 0, let list = pthread_getspecific(key &- 1)?.assumingMemoryBound(to: FreeList.self),
            let set = list.pointee.top
        {
            list.pointee.top = set.pointee.next
            list.pointee.count &-= 1
            return set
        }
        return make()
    }

    /// Puts `set` back in this thread's pool, or frees it when the pool is full.
    @inline(__always)
    static func give(_ set: UnsafeMutablePointer<HeadScratch>) {
        let list = set.pointee.home
        guard list.pointee.owner.load(ordering: .relaxed) == pthread_self(),
            list.pointee.count < poolLimit, set.pointee.isPoolable
        else { return giveSlow(set) }
        set.pointee.next = list.pointee.top
        list.pointee.top = set
        list.pointee.count &+= 1
    }

    /// Sets in this thread's pool (tests).
    static var pooledCount: Int { currentList().pointee.count }

    /// A new set whose home is this thread's list.
    @inline(never)
    private static func make() -> UnsafeMutablePointer<HeadScratch> {
        let set = UnsafeMutablePointer<HeadScratch>.allocate(capacity: 1)
        set.initialize(to: HeadScratch(home: currentList()))
        return set
    }

    /// A set given back on another thread than its home's, to a full pool, or oversized.
    @inline(never)
    private static func giveSlow(_ set: UnsafeMutablePointer<HeadScratch>) {
        let list = currentList()
        guard list.pointee.count < poolLimit, set.pointee.isPoolable else { return destroy(set) }
        set.pointee.home = list
        set.pointee.next = list.pointee.top
        list.pointee.top = set
        list.pointee.count &+= 1
    }

    /// This thread's list, made on first use.
    private static func currentList() -> UnsafeMutablePointer<FreeList> {
        let key = poolKey()
        if let list = pthread_getspecific(key) { return list.assumingMemoryBound(to: FreeList.self) }
        let list: UnsafeMutablePointer<FreeList>
        if let address = retiredLists.withLock({ $0.popLast() }) {
            list = UnsafeMutablePointer(bitPattern: address).unsafelyUnwrapped
            list.pointee.owner.store(pthread_self(), ordering: .relaxed)
        } else {
            list = .allocate(capacity: 1)
            list.initialize(to: FreeList(owner: pthread_self()))
        }
        pthread_setspecific(key, list)
        return list
    }

    private static func poolKey() -> pthread_key_t {
        let known = poolKeyPlusOne.load(ordering: .acquiring)
        if known != 0 { return known &- 1 }
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { raw in
            // Thread exit: free the pooled sets; sets still held by parsers keep `home`.
            guard let list = raw?.assumingMemoryBound(to: FreeList.self) else { return }
            list.pointee.owner.store(0, ordering: .relaxed)
            while let set = list.pointee.top {
                list.pointee.top = set.pointee.next
                list.pointee.count &-= 1
                HeadScratch.destroy(set)
            }
            let address = UInt(bitPattern: list)
            HeadScratch.retiredLists.withLock { $0.append(address) }
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        let (won, current) = poolKeyPlusOne.compareExchange(
            expected: 0, desired: key &+ 1, successOrdering: .acquiringAndReleasing, failureOrdering: .acquiring)
        if won { return key }
        pthread_key_delete(key)  // another thread created it first
        return current &- 1
    }

    private static func destroy(_ set: UnsafeMutablePointer<HeadScratch>) {
        set.deinitialize(count: 1)
        set.deallocate()
    }
}
