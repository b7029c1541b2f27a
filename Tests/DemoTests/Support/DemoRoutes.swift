import Foundation

/// Which of the README's demo routes this build of the demo serves, asked once of a running binary, so
/// tests of routes that have not landed yet are skipped (with the reason) instead of failing.
enum DemoRoutes {
    /// Paths probed with GET; a route exists when it answers anything but 404/405.
    static let probes = [
        "/json", "/echo?message=probe", "/stream?n=1", "/slow", "/blocking", "/healthz",
        "/readyz", "/get", "/set",
    ]

    static let available: Set<String> = {
        guard let server = try? DemoServer(["--no-access-log"]) else { return [] }
        defer { _ = server.terminate() }
        var arguments = ["-Z", "--parallel-max", "16", "-w", "%{url_effective} %{http_code}\\n"]
        for path in probes { arguments += ["-o", "/dev/null", server.url(path)] }
        guard let result = try? server.curl(arguments, timeout: .seconds(30)) else { return [] }
        var found: Set<String> = []
        for line in result.text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let code = Int(parts[1]), code != 0, code != 404, code != 405,
                let url = URL(string: String(parts[0]))
            else { continue }
            found.insert(url.path)
        }
        return found
    }()

    /// Whether the demo serves `path` (just the path, no query).
    static func has(_ path: String) -> Bool { available.contains(path) }
}
