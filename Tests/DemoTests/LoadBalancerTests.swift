import Foundation
import Testing

extension DemoProcessSuites {
    /// Several asgi-demo processes as one service: the shipped deploy/nginx.conf in front of two of them
    /// on one Redis (scripts/e2e/load_balancer.py), and the deployment files checked against the binary
    /// (scripts/e2e/check_manifests.py). Both scripts run with the test venv's Python (`websockets`,
    /// PyYAML: scripts/lib/python-venv.sh) and print PASS/FAIL lines; this test requires the final
    /// PASS line, no FAIL line and a minimum number of checks, so a script that ran nothing fails.
    @Suite(
        "several instances behind a load balancer", .serialized,
        .enabled(if: WebSocketClient.python != nil, Comment(rawValue: WebSocketClient.unavailable)),
        .enabled(if: DemoEnvironment.redisURL != nil, "REDIS_URL not set (run scripts/test.sh)"))
    struct LoadBalancerTests {
        private static func script(_ name: String) -> String {
            DemoEnvironment.packageRoot.appendingPathComponent("scripts/e2e/\(name)").path
        }

        /// Runs a script with the venv's Python; REDIS_URL comes from this process's environment.
        private func run(_ name: String, _ arguments: [String], timeout: Duration) throws -> (CommandResult, [Substring]) {
            let python = try #require(WebSocketClient.python)
            let result = try runCommand(
                python, [Self.script(name), "--binary", DemoEnvironment.binary] + arguments,
                timeout: WebSocketClient.scaled(timeout))
            let lines = result.text.split(separator: "\n")
            return (result, lines)
        }

        private func expectPassed(
            _ result: CommandResult, _ lines: [Substring], finalLine: String, minimumChecks: Int,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let failed = lines.filter { $0.hasPrefix("FAIL") }
            let passed = lines.filter { $0.hasPrefix("PASS: ") }
            let output = "\(result.text)\n\(result.stderr)"
            #expect(
                result.status == 0, "exit \(result.status.map(String.init) ?? "none (timeout or signal)"):\n\(output)",
                sourceLocation: sourceLocation)
            #expect(failed.isEmpty, "\(failed.joined(separator: "\n"))\n\n\(output)", sourceLocation: sourceLocation)
            #expect(lines.last.map(String.init) == finalLine, "\(output)", sourceLocation: sourceLocation)
            #expect(passed.count >= minimumChecks, "only \(passed.count) checks passed:\n\(output)", sourceLocation: sourceLocation)
        }

        @Test(
            "deploy/kubernetes, compose.yaml and nginx.conf agree with asgi-demo: flags in --help, ports, probes answered, grace periods; broken copies are caught"
        )
        func manifests() throws {
            let (result, lines) = try run("check_manifests.py", ["--self-test"], timeout: .seconds(120))
            expectPassed(result, lines, finalLine: "PASS: manifests agree with asgi-demo", minimumChecks: 60)
            // The probes were really requested of a running asgi-demo, with Redis up and down.
            for check in [
                "readinessProbe /readyz → 200 ready with Redis up",
                "readinessProbe /readyz → 503 with Redis unreachable",
                "livenessProbe /healthz → 200 with Redis unreachable",
            ] {
                #expect(lines.contains { $0.hasPrefix("PASS: ") && $0.contains(check) }, "no PASS for \(check):\n\(result.text)")
            }
            #expect(
                lines.filter { $0.hasPrefix("PASS: self-test: ") && $0.contains("is caught") }.count >= 15,
                "the self-test did not catch its broken copies:\n\(result.text)")
        }

        /// GET: retried by nginx on the other instance when one fails; POST: never retried once sent,
        /// so it also shows that the stopping instance drops no request it had received.
        @Test(
            "nginx in front of two asgi-demo on one Redis: shared keys, chat across instances through nginx's WebSocket proxying, one instance restarted under load with no failed request",
            arguments: ["GET", "POST"])
        func loadBalancer(method: String) throws {
            let (result, lines) = try run("load_balancer.py", ["--method", method], timeout: .seconds(180))
            if let skipped = lines.first(where: { $0.hasPrefix("SKIPPED:") }) {
                #expect(result.status == 0, "\(result.text)")
                print("load_balancer.py --method \(method): \(skipped)")  // the console does not show a cancel's comment
                try Test.cancel(Comment(rawValue: String(skipped)))
            }
            expectPassed(result, lines, finalLine: "PASS: load balancer end to end", minimumChecks: 20)
            for check in [
                "a message sent by the client on", "nginx proxied each chat upgrade (101) to the instance that accepted it",
                "restart under load: every \(method) answered 200", "requests kept being served while B was stopping",
                "restarted instance B serves through nginx again", "instance B exits 0 on SIGTERM under load",
            ] {
                #expect(lines.contains { $0.hasPrefix("PASS: ") && $0.contains(check) }, "no PASS for \(check):\n\(result.text)")
            }
        }
    }
}
