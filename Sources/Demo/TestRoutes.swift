import ASGIKit
import Glibc

/// Routes that break a worker on purpose, for the supervisor's tests. Only mounted when
/// `SWIFTASGI_DEMO_TEST_ROUTES=1` is in the environment; never in normal use.
enum TestRoutes {
    static func add(to router: Router) {
        // SWIFTASGI_DEMO_FAIL_STARTUP=1: the lifespan startup fails (a worker that cannot start).
        router.onStartup { _ in
            if getenv("SWIFTASGI_DEMO_FAIL_STARTUP").map({ String(cString: $0) }) == "1" {
                throw HTTPError(500, "startup failure requested by SWIFTASGI_DEMO_FAIL_STARTUP")
            }
        }
        // A Swift runtime trap (like a force-unwrap of nil) kills the worker process.
        router.get("/__test/trap") { request in
            let value: Int? = try request.query["never"].flatMap { Int($0) }
            return .text("\(value!)")
        }
        // Blocks the loop thread: the worker stops answering health checks.
        router.get("/__test/block") { request in
            let seconds = (try? request.query.get("seconds", as: UInt32.self)) ?? nil
            sleep(seconds ?? 60)
            return .text("unblocked")
        }
        // The worker's pid, to see which worker answered.
        router.get("/__test/pid") { _ in .text(String(getpid())) }
    }
}
