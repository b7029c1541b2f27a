import Testing

@testable import ASGIRedis

@Suite struct RedisConfigurationTests {
    @Test func defaultURL() throws {
        let config = try RedisConfiguration(url: RedisConfiguration.defaultURL)
        #expect(config.endpoint == .tcp(host: "127.0.0.1", port: 6379))
        #expect(config.password == nil && config.username == nil && config.database == 0)
        #expect(config.connectTimeoutMilliseconds == 1000 && config.commandTimeoutMilliseconds == 1000)
        #expect(config.maxBackoffMilliseconds == 2000)
    }

    @Test func passwordUserPortAndDatabase() throws {
        let config = try RedisConfiguration(url: "redis://:s%40cret@10.1.2.3:6380/5")
        #expect(config.endpoint == .tcp(host: "10.1.2.3", port: 6380))
        #expect(config.password == "s@cret" && config.username == nil && config.database == 5)
        #expect(!config.description.contains("s@cret"))

        let withUser = try RedisConfiguration(url: "redis://alice:pw@127.0.0.1")
        #expect(withUser.username == "alice" && withUser.password == "pw")
        #expect(withUser.endpoint == .tcp(host: "127.0.0.1", port: 6379))
    }

    @Test func hostNamesStayNames() throws {
        // Looked up by the client before every connect, not once here.
        let config = try RedisConfiguration(url: "redis://localhost:7000/")
        #expect(config.endpoint == .tcp(host: "localhost", port: 7000))
        #expect(config.database == 0)
        let service = try RedisConfiguration(url: "redis://redis_1.cache-net:6379/1")
        #expect(service.endpoint == .tcp(host: "redis_1.cache-net", port: 6379))
    }

    @Test func ipv6Host() throws {
        let config = try RedisConfiguration(url: "redis://[::1]:6390/2")
        #expect(config.endpoint == .tcp(host: "::1", port: 6390))
        #expect(config.database == 2)
    }

    @Test func unixSocket() throws {
        let config = try RedisConfiguration(url: "unix:///run/redis/redis.sock?db=3&password=p%26w")
        #expect(config.endpoint == .unix(path: "/run/redis/redis.sock"))
        #expect(config.database == 3 && config.password == "p&w")
        let plain = try RedisConfiguration(url: "unix:///tmp/r.sock")
        #expect(plain.endpoint == .unix(path: "/tmp/r.sock") && plain.database == 0 && plain.password == nil)
    }

    @Test(arguments: [
        "",
        "http://127.0.0.1:6379",
        "127.0.0.1:6379",
        "redis://",
        "redis://bad!name:6379",
        "redis://127.0.0.1:0",
        "redis://127.0.0.1:65536",
        "redis://127.0.0.1:port",
        "redis://127.0.0.1:",
        "redis://127.0.0.1/db",
        "redis://127.0.0.1/-1",
        "redis://127.0.0.1/1?timeout=3",
        "redis://secret@127.0.0.1",
        "redis://:bad%zz@127.0.0.1",
        "redis://[::1",
        "redis://[not-v6]:6379",
        "unix://relative.sock",
        "unix:///tmp/r.sock?db=x",
        "unix:///tmp/r.sock?color=blue",
    ])
    func invalidURLs(url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        do {
            _ = try RedisConfiguration(url: url)
        } catch {
            #expect(!error.isUnavailable)
            #expect(error.description.hasPrefix("invalid Redis URL"))
        }
    }
}
