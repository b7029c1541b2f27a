import Foundation
import Testing

extension DemoProcessSuites {
    /// /set, /get and /readyz against the test run's real redis-server (REDIS_URL and
    /// SWIFTASGI_TEST_REDIS_PORT, set by scripts/test.sh or .ci/run), and against no Redis at all.
    @Suite("asgi-demo with Redis")
    struct RedisRouteTests {
        static var redisRoutes: Bool { DemoRoutes.has("/set") && DemoRoutes.has("/get") }

        @Test(
            "GET /set then /get round-trips a value through Redis",
            .enabled(if: DemoEnvironment.redisURL != nil, "REDIS_URL not set (run scripts/test.sh)"),
            .enabled(if: redisRoutes, "/get and /set not served by this build"))
        func setThenGet() throws {
            try withDemo { server throws in
                let key = "e2e:\(UUID().uuidString)"
                let value = "héllo wörld & = + ✓"
                let set = try server.request("/set?key=\(percentEncoded(key))&value=\(percentEncoded(value))")
                #expect(set.status == 200)
                #expect(set.text.trimmingCharacters(in: .whitespacesAndNewlines) == "OK")
                let get = try server.request("/get?key=\(percentEncoded(key))")
                #expect(get.status == 200)
                #expect(get.text == value)
                if let port = DemoEnvironment.redisPort {  // really stored in Redis, as those bytes
                    let stored = try runCommand("redis-cli", ["-p", "\(port)", "--no-raw", "STRLEN", key])
                    #expect(stored.text.contains("\(value.utf8.count)"), "STRLEN: \(stored.text)")
                }
            }
        }

        @Test(
            "GET /get: 404 for a missing key, 400 without key",
            .enabled(if: DemoEnvironment.redisURL != nil, "REDIS_URL not set (run scripts/test.sh)"),
            .enabled(if: redisRoutes, "/get and /set not served by this build"))
        func getMissingAndWithoutKey() throws {
            try withDemo { server throws in
                #expect(try server.request("/get?key=e2e:missing:\(UUID().uuidString)").status == 404)
                #expect(try server.request("/get").status == 400)
            }
        }

        @Test(
            "GET /get returns binary values byte for byte, and hostile keys are just keys",
            .enabled(if: DemoEnvironment.redisPort != nil, "SWIFTASGI_TEST_REDIS_PORT not set (run scripts/test.sh)"),
            .enabled(if: redisRoutes, "/get and /set not served by this build"))
        func binaryValuesAndHostileKeys() throws {
            let port = try #require(DemoEnvironment.redisPort)
            let directory = try DemoEnvironment.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let key = "e2e:binary:\(UUID().uuidString)"
            let value = Data((0...255).map { UInt8($0) }) + randomBytes(4096)
            let file = directory.appendingPathComponent("value.bin")
            try value.write(to: file)
            let stored = try runCommand("sh", ["-c", "redis-cli -p \(port) -x SET '\(key)' < '\(file.path)'"])
            #expect(stored.text.contains("OK"), "redis-cli -x SET: \(stored.text) \(stored.stderr)")
            let canary = "e2e:canary:\(UUID().uuidString)"
            _ = try runCommand("redis-cli", ["-p", "\(port)", "SET", canary, "alive"])
            try withDemo { server throws in
                let output = directory.appendingPathComponent("out.bin")
                let result = try server.curl(["-o", output.path, "-w", "%{http_code}", server.url("/get?key=\(percentEncoded(key))")])
                #expect(result.text == "200")
                #expect(try Data(contentsOf: output) == value, "the value came back altered")

                let hostile = "a b\r\nFLUSHALL\r\n*1\r\n$8\r\nFLUSHALL"
                let set = try server.request("/set?key=\(percentEncoded(hostile))&value=v")
                #expect(set.status == 200)
                #expect(try server.request("/get?key=\(percentEncoded(hostile))").text == "v")
            }
            let canaryValue = try runCommand("redis-cli", ["-p", "\(port)", "GET", canary])
            #expect(canaryValue.text.trimmingCharacters(in: .whitespacesAndNewlines) == "alive", "a hostile key ran a command")
        }

        @Test(
            "GET /readyz is 200 while Redis answers",
            .enabled(if: DemoEnvironment.redisURL != nil, "REDIS_URL not set (run scripts/test.sh)"),
            .enabled(if: DemoRoutes.has("/readyz"), "/readyz not served by this build"))
        func readyWithRedis() throws {
            try withDemo { server throws in
                #expect(try server.request("/readyz").status == 200)
            }
        }

        @Test(
            "Redis unreachable: the Redis routes answer 503, the rest keeps serving, exit 0",
            .enabled(if: DemoRoutes.has("/readyz"), "/readyz not served by this build"))
        func redisDown() throws {
            let deadURL = "redis://127.0.0.1:\(try DemoEnvironment.closedPort())"
            try withDemo(redisURL: deadURL) { server throws in
                let ready = try server.request("/readyz")
                #expect(ready.status == 503, "/readyz with Redis down: \(ready.status) \(ready.text)")
                if Self.redisRoutes {
                    let get = try server.request("/get?key=anything")
                    #expect(get.status == 503)
                    #expect(get.text.lowercased().contains("redis"), "503 body does not say why: \(get.text)")
                    #expect(try server.request("/set?key=k&value=v").status == 503)
                }
                #expect(try server.request("/").status == 200)
                if DemoRoutes.has("/healthz") {
                    #expect(try server.request("/healthz").status == 200)
                }
            }
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for query values.
func percentEncoded(_ string: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return string.addingPercentEncoding(withAllowedCharacters: allowed) ?? string
}
