import Glibc
public import UVLoop

/// How a ``RedisClient`` turns the host name of its URL into addresses. The default, ``system``,
/// is the system resolver (`/etc/hosts`, DNS) run off the loop; tests inject their own.
public struct RedisHostResolver: Sendable {
    /// Starts a lookup of `host` for `port` on `loop`'s thread; `completion` must run exactly once
    /// on that thread, with the numeric addresses in the order to try. Returns a cancel action
    /// (harmless once the completion ran).
    public typealias Lookup =
        @Sendable (
            _ host: String, _ port: Int, _ loop: EventLoop, _ completion: @escaping (Result<[String], UVError>) -> Void
        ) -> () -> Void

    let lookup: Lookup

    public init(_ lookup: @escaping Lookup) { self.lookup = lookup }

    /// getaddrinfo(3) on libuv's thread pool (`uv_getaddrinfo`): the loop never blocks on DNS.
    public static let system = RedisHostResolver { host, port, loop, completion in
        let lookup = HostLookup.start(loop: loop, host: host, port: port, completion: completion)
        return { lookup.cancel() }
    }
}

// Every attempt resolves the host name again (a restarted Redis container comes back at another
// address), then tries each address it got until one connects.
extension RedisClient {
    func startAttempt() {
        reconnectTimer.stop()
        counters.connectAttempts += 1
        state = .connecting
        candidates = []
        guard case .tcp(let host, let port) = configuration.endpoint,
            !RedisURLParser.isNumeric(host, family: AF_INET), !RedisURLParser.isNumeric(host, family: AF_INET6)
        else {
            openConnection(to: configuration.endpoint)
            return
        }
        lookupGeneration &+= 1
        let generation = lookupGeneration
        openConnections += 1  // close() waits for the lookup to call back
        let cancel = resolver.lookup(host, port, loop) { [self] result in
            operationEnded()
            guard generation == lookupGeneration, state == .connecting else { return }
            lookupCancel = nil
            switch result {
            case .success(let addresses) where !addresses.isEmpty:
                candidates = Array(addresses.dropFirst())
                openConnection(to: .tcp(host: addresses[0], port: port))
            case .success:
                attemptFailed(reason: "cannot resolve \(host): no address")
            case .failure(let error):
                attemptFailed(reason: "cannot resolve \(host): \(error.message)")
            }
        }
        // A lookup that could not start has already called back.
        if generation == lookupGeneration, state == .connecting, current == nil { lookupCancel = cancel }
    }

    /// After a failed connect, the next address of the lookup, if any. Returns whether one was tried.
    func tryNextAddress(after reason: String) -> Bool {
        guard !candidates.isEmpty, case .tcp(let host, let port) = configuration.endpoint else { return false }
        let next = candidates.removeFirst()
        logger.debug("redis connect failed, trying the next address", metadata: ["host": "\(host)", "next": "\(next)", "reason": "\(reason)"])
        openConnection(to: .tcp(host: next, port: port))
        return true
    }

    /// Abandons a lookup in flight (the client is closing).
    func cancelLookup() {
        lookupGeneration &+= 1
        candidates = []
        if let cancel = lookupCancel {
            lookupCancel = nil
            cancel()
        }
    }
}
