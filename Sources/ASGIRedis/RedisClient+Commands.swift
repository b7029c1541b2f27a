/// Typed helpers over ``RedisClient/command(_:)``. Unlike `command`, they throw a RESP error reply
/// as a server error (``RedisError/serverMessage``).
extension RedisClient {
    /// GET: the stored bytes, or nil when the key does not exist.
    nonisolated(nonsending) public func get(_ key: [UInt8]) async throws(RedisError) -> [UInt8]? {
        switch try await command([Keyword.get, key]) {
        case .bulk(let value): return value
        case .null: return nil
        case let other: throw Self.unexpected("GET", other)
        }
    }

    /// SET, with `EX seconds` when `expireSeconds` is given.
    nonisolated(nonsending) public func set(_ key: [UInt8], _ value: [UInt8], expireSeconds: Int? = nil) async throws(RedisError) {
        var args = [Keyword.set, key, value]
        if let expireSeconds { args += [Keyword.ex, Array(String(expireSeconds).utf8)] }
        switch try await command(args) {
        case .status: return
        case let other: throw Self.unexpected("SET", other)
        }
    }

    /// DEL: how many of the keys existed.
    nonisolated(nonsending) public func del(_ keys: [UInt8]...) async throws(RedisError) -> Int {
        Int(try await integer(command([Keyword.del] + keys), "DEL"))
    }

    /// INCR: the value after the increment.
    nonisolated(nonsending) public func incr(_ key: [UInt8]) async throws(RedisError) -> Int64 {
        try await integer(command([Keyword.incr, key]), "INCR")
    }

    /// EXPIRE: true when the key exists and got the timeout.
    nonisolated(nonsending) public func expire(_ key: [UInt8], seconds: Int) async throws(RedisError) -> Bool {
        try await integer(command([Keyword.expire, key, Array(String(seconds).utf8)]), "EXPIRE") == 1
    }

    /// PING: true when Redis answered PONG. Throws when it is unreachable (``RedisError/isUnavailable``).
    nonisolated(nonsending) public func ping() async throws(RedisError) -> Bool {
        switch try await command([Keyword.ping]) {
        case .status(let text): return text == "PONG"
        case let other: throw Self.unexpected("PING", other)
        }
    }

    // MARK: - String conveniences (UTF-8 keys and values)

    nonisolated(nonsending) public func get(_ key: String) async throws(RedisError) -> [UInt8]? {
        try await get(Array(key.utf8))
    }

    nonisolated(nonsending) public func set(_ key: String, _ value: String, expireSeconds: Int? = nil) async throws(RedisError) {
        try await set(Array(key.utf8), Array(value.utf8), expireSeconds: expireSeconds)
    }

    nonisolated(nonsending) public func del(_ keys: String...) async throws(RedisError) -> Int {
        Int(try await integer(command([Keyword.del] + keys.map { Array($0.utf8) }), "DEL"))
    }

    nonisolated(nonsending) public func incr(_ key: String) async throws(RedisError) -> Int64 {
        try await incr(Array(key.utf8))
    }

    nonisolated(nonsending) public func expire(_ key: String, seconds: Int) async throws(RedisError) -> Bool {
        try await expire(Array(key.utf8), seconds: seconds)
    }

    // MARK: - Helpers

    private func integer(_ reply: RedisReply, _ name: String) throws(RedisError) -> Int64 {
        guard case .integer(let value) = reply else { throw Self.unexpected(name, reply) }
        return value
    }

    private static func unexpected(_ name: String, _ reply: RedisReply) -> RedisError {
        if case .error(let message) = reply { return RedisError(.server(message)) }
        return RedisError(.unexpectedReply("\(name) answered \(reply)"))
    }
}

/// Command names as bytes, built once.
enum Keyword {
    static let get = Array("GET".utf8)
    static let set = Array("SET".utf8)
    static let ex = Array("EX".utf8)
    static let del = Array("DEL".utf8)
    static let incr = Array("INCR".utf8)
    static let expire = Array("EXPIRE".utf8)
    static let ping = Array("PING".utf8)
}
