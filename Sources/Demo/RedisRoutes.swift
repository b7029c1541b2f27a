import ASGI
import ASGIKit
import ASGIRedis
import Logging
import UVLoop

/// The demo's Redis endpoints on the worker's own loop: `GET /set?key=K&value=V`,
/// `GET /get?key=K`, `GET /readyz`, and the chat WebSocket (``ChatRoutes``). The client is made at lifespan startup (one per worker
/// process, on its loop) and kept in the lifespan state.
enum RedisRoutes {
    static let stateKey = "redis"

    static func add(to router: Router, configuration: RedisConfiguration, logger: Logger) {
        router.onStartup { state in
            guard let loop = EventLoop.current else {
                throw HTTPError(500, "lifespan startup is not running on a server loop")
            }
            let client = RedisClient(configuration: configuration, loop: loop, logger: logger)
            await client.connect()
            if !client.isConnected {
                logger.warning("Redis is not reachable yet: /get and /set answer 503 until it is (retrying in the background)")
            }
            state[stateKey] = client
            // Pub/sub for the chat rooms: its own connection, made on the first subscription.
            state[ChatRoutes.subscriberKey] = client.makeSubscriber()
        }
        router.onShutdown { state in
            await (state[ChatRoutes.subscriberKey] as? RedisSubscriber)?.close()
            await (state[stateKey] as? RedisClient)?.close()
        }

        router.get("/set") { request in
            let query = try RawQuery(request.scope.queryString)
            guard let key = query["key"], !key.isEmpty else { throw HTTPError(400, "missing 'key' query parameter") }
            guard let value = query["value"] else { throw HTTPError(400, "missing 'value' query parameter") }
            try await available { try await client(request).set(key, value) }
            return .text("OK")
        }

        router.get("/get") { request in
            let query = try RawQuery(request.scope.queryString)
            guard let key = query["key"], !key.isEmpty else { throw HTTPError(400, "missing 'key' query parameter") }
            guard let value = try await available({ try await client(request).get(key) }) else {
                throw HTTPError(404, "Key not found")
            }
            let isText = String(validating: value, as: UTF8.self) != nil
            return .bytes(value, contentType: isText ? "text/plain; charset=utf-8" : "application/octet-stream")
        }

        router.get("/readyz") { request in
            let ready = (try? await client(request).ping()) == true
            return ready ? .text("ready") : .text("Redis is unavailable", status: 503)
        }
    }

    private static func client(_ request: Request) throws(HTTPError) -> RedisClient {
        guard let client = request.scope.state[stateKey] as? RedisClient else {
            throw HTTPError(503, "Redis is unavailable: the client did not start")
        }
        return client
    }

    /// Runs a Redis call; an unreachable or timed-out Redis becomes a 503 with a short reason.
    private static func available<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RedisError where error.isUnavailable {
            throw HTTPError(503, "\(error)")
        } catch let error as RedisError {
            throw HTTPError(502, "Redis error: \(error)")
        }
    }
}

/// Query parameters as bytes (binary-safe: `%00`, `%FF` stay those bytes), first value wins.
struct RawQuery {
    private var pairs: [([UInt8], [UInt8])] = []

    init(_ raw: [UInt8]) throws(HTTPError) {
        for part in raw.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let name = try RawQuery.decode(equals.map { part[..<$0] } ?? part[...])
            let value = try RawQuery.decode(equals.map { part[part.index(after: $0)...] } ?? [])
            pairs.append((name, value))
        }
    }

    subscript(name: String) -> [UInt8]? {
        let wanted = Array(name.utf8)
        return pairs.first { $0.0 == wanted }?.1
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> [UInt8] {
        guard let decoded = PercentDecoding.decodeBytes(bytes, plusAsSpace: true, badEscape: .fail) else {
            throw HTTPError(400, "invalid percent-encoding in the query string")
        }
        return decoded
    }
}
