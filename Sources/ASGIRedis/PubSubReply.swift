import CHiredis

/// One RESP2 push of a subscribed connection, copied out of hiredis' reply (freed after the
/// callback). Confirmations answer (P)(UN)SUBSCRIBE, one per channel or pattern.
enum PubSubReply: Equatable {
    enum Confirmation: Equatable {
        case subscribe, psubscribe, unsubscribe, punsubscribe

        var isPattern: Bool { self == .psubscribe || self == .punsubscribe }
        var isSubscribe: Bool { self == .subscribe || self == .psubscribe }
    }

    /// `message channel payload`
    case message(channel: [UInt8], payload: [UInt8])
    /// `pmessage pattern channel payload`
    case patternMessage(pattern: [UInt8], channel: [UInt8], payload: [UInt8])
    /// `subscribe|psubscribe|unsubscribe|punsubscribe name count`
    case confirmed(Confirmation, name: [UInt8])
}

extension PubSubReply {
    /// Reads a push; nil for anything else (hiredis only routes pub/sub arrays here).
    init?(copying reply: UnsafePointer<redisReply>) {
        let r = reply.pointee
        guard r.type == REDIS_REPLY_ARRAY, r.elements >= 3, let elements = r.element else { return nil }
        func string(_ index: Int) -> UnsafeRawBufferPointer? {
            guard index < r.elements, let element = elements[index], element.pointee.type == REDIS_REPLY_STRING else {
                return nil
            }
            return UnsafeRawBufferPointer(start: element.pointee.str, count: element.pointee.len)
        }
        guard let kind = string(0), let first = string(1) else { return nil }
        switch Self.kind(kind) {
        case .message?:
            guard let payload = string(2) else { return nil }
            self = .message(channel: Array(first), payload: Array(payload))
        case .patternMessage?:
            guard let channel = string(2), let payload = string(3) else { return nil }
            self = .patternMessage(pattern: Array(first), channel: Array(channel), payload: Array(payload))
        case .confirmation(let confirmation)?:
            self = .confirmed(confirmation, name: Array(first))
        case nil:
            return nil
        }
    }

    private enum Kind {
        case message, patternMessage, confirmation(Confirmation)
    }

    /// Redis sends these names in lower case.
    private static func kind(_ bytes: UnsafeRawBufferPointer) -> Kind? {
        switch bytes.count {
        case 7 where bytes.elementsEqual("message".utf8): .message
        case 8 where bytes.elementsEqual("pmessage".utf8): .patternMessage
        case 9 where bytes.elementsEqual("subscribe".utf8): .confirmation(.subscribe)
        case 10 where bytes.elementsEqual("psubscribe".utf8): .confirmation(.psubscribe)
        case 11 where bytes.elementsEqual("unsubscribe".utf8): .confirmation(.unsubscribe)
        case 12 where bytes.elementsEqual("punsubscribe".utf8): .confirmation(.punsubscribe)
        default: nil
        }
    }
}
