import CLibUV
import Glibc

/// A host-name lookup that does not block the loop: `uv_getaddrinfo` runs getaddrinfo(3) on
/// libuv's thread pool and calls back on the loop thread. Loop thread only.
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
        let lookup = HostLookup(completion: completion)
        // Retained until the callback, which libuv always makes (also after uv_cancel).
        lookup.request.pointee.data = Unmanaged.passRetained(lookup).toOpaque()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        let status = uv_getaddrinfo(loop.raw, lookup.request, { request, status, result in
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
