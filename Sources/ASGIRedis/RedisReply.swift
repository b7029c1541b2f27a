import CHiredis

/// A RESP2 reply, copied out of hiredis' reply object (which hiredis frees after the callback).
public enum RedisReply: Sendable, Equatable {
    /// `+OK`, `+PONG`, ...
    case status(String)
    /// `-ERR ...`: Redis refused the command. Returned, not thrown, by ``RedisClient/command(_:)``.
    case error(String)
    case integer(Int64)
    /// A bulk string: the exact bytes stored.
    case bulk([UInt8])
    /// A nil bulk string or nil array (`$-1`, `*-1`): e.g. GET of a missing key.
    case null
    case array([RedisReply])
}

extension RedisReply {
    /// Deep-copies a hiredis reply. Called inside the reply callback only.
    init(copying reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .bulk(Self.bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            self = .status(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            self = .error(String(decoding: Self.bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(r.elements)
            for index in 0..<r.elements {
                if let element = r.element[index] {
                    elements.append(RedisReply(copying: element))
                } else {
                    elements.append(.null)
                }
            }
            self = .array(elements)
        default:
            self = .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            Array(UnsafeBufferPointer(start: $0, count: count))
        }
    }
}
