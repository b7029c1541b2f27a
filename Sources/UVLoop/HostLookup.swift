import CLibUV
import Glibc

/// The package's one host-name lookup: `uv_getaddrinfo` runs getaddrinfo(3) on libuv's thread
/// pool and calls back on the loop thread, so a loop never blocks on DNS. Loop thread only;
/// ``resolve(host:port:)`` is the same lookup for a thread that may wait.
///
/// ```swift
/// HostLookup.start(loop: loop, host: "redis", port: 6379) { result in
///     // .success(["10.0.0.7"]) — numeric addresses in the resolver's order (RFC 6724)
/// }
/// ```
public final class HostLookup {
    private let request: UnsafeMutablePointer<uv_getaddrinfo_t>
    private var completion: ((Result<[String], UVError>) -> Void)?

    private init(completion: @escaping (Result<[String], UVError>) -> Void) {
        request = .allocate(capacity: 1)
        self.completion = completion
    }

    /// Starts resolving `host` for TCP. `completion` runs once, on the loop thread: with the
    /// numeric addresses (duplicates removed), or the error (`ECANCELED` after ``cancel()``) —
    /// before `start` returns only when the lookup cannot start at all.
    @discardableResult
    public static func start(
        loop: EventLoop, host: String, port: Int, completion: @escaping (Result<[String], UVError>) -> Void
    ) -> HostLookup {
        start(on: loop.raw, host: host, port: port, completion: completion)
    }

    /// The same lookup for a caller that has nothing else to do meanwhile (binding a listening
    /// socket at start-up, before any loop runs): it runs on a private loop, which this thread
    /// runs until the completion came, so the thread waits and no other loop is touched.
    public static func resolve(host: String, port: Int) throws(UVError) -> [String] {
        let loop = UnsafeMutablePointer<uv_loop_t>.allocate(capacity: 1)
        defer { loop.deallocate() }
        try uvCheck(uv_loop_init(loop))
        var outcome: Result<[String], UVError> = .failure(UVError(Int32(UV_EAI_NONAME.rawValue)))
        start(on: loop, host: host, port: port) { outcome = $0 }
        uv_run(loop, UV_RUN_DEFAULT)  // returns once the lookup's request is done
        uv_loop_close(loop)
        return try outcome.get()
    }

    private static func start(
        on loop: UnsafeMutablePointer<uv_loop_t>, host: String, port: Int,
        completion: @escaping (Result<[String], UVError>) -> Void
    ) -> HostLookup {
        let lookup = HostLookup(completion: completion)
        // Retained until the callback, which libuv always makes (also after uv_cancel).
        lookup.request.pointee.data = Unmanaged.passRetained(lookup).toOpaque()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        let status = uv_getaddrinfo(
            loop, lookup.request,
            { request, status, result in
                let lookup = Unmanaged<HostLookup>.fromOpaque(request!.pointee.data).takeRetainedValue()
                let outcome: Result<[String], UVError> =
                    status == 0 ? .success(HostLookup.addresses(result)) : .failure(UVError(status))
                uv_freeaddrinfo(result)
                lookup.finish(outcome)
            }, host, String(port), &hints)
        if status != 0 {
            // The lookup could not even start (no memory, bad arguments): no callback will come.
            Unmanaged<HostLookup>.fromOpaque(lookup.request.pointee.data).release()
            lookup.finish(.failure(UVError(status)))
        }
        return lookup
    }

    deinit { request.deallocate() }

    /// Asks libuv to drop the lookup if it has not started on the pool; the completion then gets
    /// `ECANCELED` (or the result, when it was already running).
    public func cancel() {
        guard completion != nil else { return }
        uv_cancel(UnsafeMutableRawPointer(request).assumingMemoryBound(to: uv_req_t.self))
    }

    private func finish(_ outcome: Result<[String], UVError>) {
        guard let completion else { return }
        self.completion = nil
        completion(outcome)
    }

    /// Numeric addresses of an addrinfo list, in order, without repeats.
    private static func addresses(_ list: UnsafeMutablePointer<addrinfo>?) -> [String] {
        var result: [String] = []
        var entry = list
        while let current = entry {
            entry = current.pointee.ai_next
            guard let address = current.pointee.ai_addr else { continue }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            let family = Int32(address.pointee.sa_family)
            if family == AF_INET {
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { _ = uv_ip4_name($0, &text, text.count) }
            } else if family == AF_INET6 {
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { _ = uv_ip6_name($0, &text, text.count) }
            } else {
                continue
            }
            let name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !result.contains(name) { result.append(name) }
        }
        return result
    }
}
