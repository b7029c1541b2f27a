import Synchronization

/// `scope["state"]`: values the lifespan startup stores (a connection pool, a config) and every
/// request then reads. Each request gets a shallow copy, so a request that writes to its copy
/// does not change what other requests see (a server scope takes the copy when the request first
/// reads `scope.state`).
public final class ScopeState: Sendable {
    private let storage: Mutex<[String: any Sendable]>

    public init(_ values: [String: any Sendable] = [:]) {
        storage = Mutex(values)
    }

    public subscript(key: String) -> (any Sendable)? {
        get { storage.withLock { $0[key] } }
        set { storage.withLock { $0[key] = newValue } }
    }

    /// Every key currently stored.
    public var keys: [String] { storage.withLock { Array($0.keys) } }

    /// A shallow copy: same values, independent dictionary.
    public func copy() -> ScopeState {
        ScopeState(storage.withLock { $0 })
    }
}
