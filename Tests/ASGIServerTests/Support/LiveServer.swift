import ASGI
import ASGIServer
import Glibc
import Testing
import UVLoop

/// Runs `body` against a server on a free port, then shuts it down gracefully and checks the loop
/// closed with nothing leaked (`uv_loop_close == 0`).
func withServer(
    _ configure: (inout ServerConfig) -> Void = { _ in },
    app: @escaping Application,
    _ body: (RunningServer) async throws -> Void
) async throws {
    var config = ServerConfig()
    config.host = "127.0.0.1"
    config.port = 0
    config.accessLog = false
    config.logger.logLevel = .critical
    configure(&config)
    let server = try await Server.start(config: config, app: app)
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    let leaked = await server.shutdown()
    #expect(leaked == 0, "uv_loop_close returned \(leaked): a handle leaked")
}

/// Runs blocking socket work off the cooperative pool so tests can block freely.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let box = Unmanaged.passRetained(WorkBox { continuation.resume(with: Result { try work() }) }).toOpaque()
        var thread = pthread_t()
        pthread_create(
            &thread, nil,
            { context in
                Unmanaged<WorkBox>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            }, box)
        pthread_detach(thread)
    }
}

final class WorkBox: @unchecked Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Standard tiny apps.
enum Apps {
    static let hello: Application = { scope, _, send in
        guard scope.type == .http else { return }
        try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
        try await send(.responseBody(Array("Hello, ASGI!".utf8)))
    }

    /// Echoes the body as a stream (chunked unless it arrived in one piece).
    static let echo: Application = { scope, receive, send in
        guard scope.type == .http else { return }
        try await send(.responseStart(status: 200, headers: [("content-type", "application/octet-stream")]))
        while true {
            guard case .request(let body, let more) = try await receive() else { return }
            try await send(.responseBody(body, moreBody: more))
            if !more { return }
        }
    }

    /// Answers with the path (to check ordering).
    static let path: Application = { scope, _, send in
        guard scope.type == .http else { return }
        try await send(.responseStart(status: 200, headers: [("content-type", "text/plain")]))
        try await send(.responseBody(Array(scope.path.utf8)))
    }
}

func get(_ path: String, _ extra: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: test\r\n\(extra)\r\n"
}

/// Sends `request` on a new connection and reads one response (off the cooperative pool).
func roundTrip(port: Int, _ request: String) async throws -> TestResponse {
    try await blocking {
        let client = try TestClient(port: port)
        try client.send(request)
        return try client.readResponse()
    }
}

/// Sends `request` on a new connection and returns everything until the server closes it.
func readUntilClose(port: Int, _ request: String) async throws -> String {
    try await blocking {
        let client = try TestClient(port: port)
        try client.send(request)
        return String(decoding: try client.readToEnd(), as: UTF8.self)
    }
}
