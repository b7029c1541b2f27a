import ASGI
import Synchronization

/// Small WebSocket applications for the live tests.
enum WSApps {
    /// Accepts (with the first offered subprotocol when `pickProtocol`), echoes every message,
    /// records the disconnect event.
    static func echo(pickProtocol: Bool = false, record: Recorder? = nil) -> Application {
        { scope, receive, send in
            guard scope.type == .websocket else {
                try await Apps.hello(scope, receive, send)
                return
            }
            guard case .websocketConnect = try await receive() else { return }
            try await send(.websocketAccept(subprotocol: pickProtocol ? scope.subprotocols.first : nil))
            while true {
                let event = try await receive()
                switch event {
                case .websocketReceive(let message):
                    try await send(.websocketSend(message))
                case .websocketDisconnect(let code, let reason):
                    record?.add("disconnect \(code) \(reason)")
                    return
                default:
                    record?.add("unexpected \(event.type)")
                    return
                }
            }
        }
    }

    /// Thread-safe event log of an application, for assertions.
    final class Recorder: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
        /// Waits (polling, bounded) until a line satisfies `predicate`.
        func wait(seconds: Double = 5, _ predicate: (String) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < deadline {
                if all.contains(where: predicate) { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }
}
