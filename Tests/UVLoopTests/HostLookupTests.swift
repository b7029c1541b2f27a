import Glibc
import Testing

@testable import UVLoop

/// The one lookup, `uv_getaddrinfo`: on a running loop (the Redis client's reconnects) and, for a
/// thread that may wait, on a private loop (binding a listener to a host name at start-up).
@Suite struct HostLookupTests {
    @Test func waitingLookupResolvesNamesFromTheHostsFile() throws {
        let addresses = try HostLookup.resolve(host: "localhost", port: 80)
        #expect(addresses.contains("127.0.0.1") || addresses.contains("::1"), "\(addresses)")
        #expect(Set(addresses).count == addresses.count, "no repeats")
    }

    @Test func waitingLookupOfAnUnknownNameThrows() {
        #expect(throws: UVError.self) { try HostLookup.resolve(host: "no-such-host.invalid", port: 80) }
    }

    @Test func waitingLookupLeavesTheCallingThreadsLoopAlone() async throws {
        let thread = try LoopThread()
        let loop = thread.loop
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<[String], UVError>, Never>) in
            loop.execute {
                let blocking: Result<[String], UVError>
                do throws(UVError) { blocking = .success(try HostLookup.resolve(host: "localhost", port: 80)) } catch {
                    blocking = .failure(error)
                }
                // Still this loop's thread, with its current loop unchanged.
                precondition(loop.isInLoopThread && EventLoop.current === loop)
                continuation.resume(returning: blocking)
            }
        }
        #expect((try? result.get())?.isEmpty == false, "\(result)")
        #expect(thread.stopAndJoin() == 0)
    }

    @Test func listenerBindsToAHostName() throws {
        let (fd, address) = try Listener.bindTCPSocket(host: "localhost", port: 0, backlog: 16)
        defer { close(fd) }
        #expect(address.host == "127.0.0.1" || address.host == "::1", "\(address)")
        #expect((address.port ?? 0) > 0)
    }

    @Test func listenerOfAnUnknownHostFails() {
        #expect(throws: UVError.self) {
            _ = try Listener.bindTCPSocket(host: "no-such-host.invalid", port: 0, backlog: 16)
        }
    }

    @Test func numericHostsNeedNoLookup() throws {
        for host in ["127.0.0.1", "::1"] {
            guard let (fd, address) = try? Listener.bindTCPSocket(host: host, port: 0, backlog: 16) else {
                #expect(host == "::1", "binding \(host) failed")  // a machine without IPv6
                continue
            }
            close(fd)
            #expect(address.host == host)
        }
    }
}
