import ASGI
import ASGIKit
import ASGIRedis

/// `/ws/chat/:room`: a chat room over Redis pub/sub. Each text message a client sends is
/// PUBLISHed to `chat:<room>` as `{"type":"message","room":…,"text":…}`; every client subscribed
/// to the room — on this worker, another worker or another asgi-demo process sharing the Redis —
/// receives it as a text message. Gaps are told as `{"type":"notice","text":…}`, a message that
/// could not be published as `{"type":"error","text":…}`. With Redis down the upgrade is refused
/// with 503 (denial response); a binary message closes the WebSocket with 1003.
enum ChatRoutes {
    static let subscriberKey = "redis.subscriber"

    struct Event: Encodable, Sendable {
        let type: String
        var room: String? = nil
        let text: String
    }

    static func add(to router: Router) {
        router.websocket("/ws/chat/:room") { ws in
            let room = try ws.pathParameters.require("room")
            guard isValidRoom(room) else {
                throw HTTPError(400, "a room name is 1 to 64 letters, digits, '-' or '_'")
            }
            guard let subscriber = ws.scope.state[subscriberKey] as? RedisSubscriber,
                let redis = ws.scope.state[RedisRoutes.stateKey] as? RedisClient
            else { throw HTTPError(503, "Redis is unavailable: the client did not start") }
            let channel = "chat:" + room
            let subscription: RedisSubscription
            do {
                subscription = try await subscriber.subscribe(channel)
            } catch {
                throw HTTPError(503, "Redis is unavailable: \(error)")
            }
            defer { subscription.cancel() }
            try await ws.accept()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay(subscription, to: ws) }
                for try await message in ws.messages {
                    guard case .text(let text) = message else {
                        try await ws.close(code: 1003, reason: "text messages only")
                        break
                    }
                    let payload = try JSON.encode(Event(type: "message", room: room, text: text))
                    do {
                        _ = try await redis.publish(channel: channel, message: payload)
                    } catch {
                        try await ws.send(json: Event(type: "error", text: "message not delivered: \(error)"))
                    }
                }
                subscription.cancel()
                try await group.waitForAll()
            }
        }
    }

    /// Forwards the room's messages (and the subscription's gaps) to one client.
    private static func relay(_ subscription: RedisSubscription, to ws: WebSocket) async throws {
        for await event in subscription.events {
            switch event {
            case .message(_, let payload):
                try await ws.send(text: String(decoding: payload, as: UTF8.self))
            case .interrupted:
                try await ws.send(json: Event(type: "notice", text: "Redis connection lost: messages may be missed until it is back"))
            case .resumed:
                try await ws.send(json: Event(type: "notice", text: "Redis is back: messages sent meanwhile may be missing"))
            case .dropped(let count):
                try await ws.send(json: Event(type: "notice", text: "\(count) messages were dropped: this client read too slowly"))
            }
        }
    }

    static func isValidRoom(_ room: String) -> Bool {
        !room.isEmpty && room.utf8.count <= 64
            && room.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x5F
            }
    }
}
