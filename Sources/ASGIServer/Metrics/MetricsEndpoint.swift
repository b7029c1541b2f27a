import ASGI
import Logging
import UVLoop

/// `GET /metrics` on `--metrics-host`:`--metrics-port`: a second server core on the same loop
/// (no lifespan, no access log, its own requests not counted) answering with `render()`'s text
/// in the Prometheus text format. Anything else is 404. Loop thread only.
enum MetricsEndpoint {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Starts listening; `started` gets the bound address or the error (the port is taken).
    static func start(
        loop: EventLoop, host: String, port: Int, logger: Logger, render: @escaping @Sendable () async -> String,
        started: @escaping (Result<SocketAddress, any Error>) -> Void
    ) -> ServerCore {
        var config = ServerConfig()
        config.host = host
        config.port = port
        config.accessLog = false
        config.lifespan = .off
        config.handleSignals = false
        config.metricsPort = nil
        config.logger = logger
        let app: Application = { scope, receive, send in
            guard scope.type == .http else { return }
            guard scope.path == "/metrics" else {
                try await send(.responseStart(status: 404, headers: [("content-type", "text/plain; charset=utf-8")]))
                try await send(.responseBody(Array("Not Found: metrics are at /metrics\n".utf8)))
                return
            }
            guard scope.method == "GET" || scope.method == "HEAD" else {
                try await send(.responseStart(status: 405, headers: [("allow", "GET, HEAD")]))
                try await send(.responseBody([]))
                return
            }
            let text = await render()
            try await send(.responseStart(status: 200, headers: [("content-type", contentType)]))
            try await send(.responseBody(Array(text.utf8)))
        }
        let core = ServerCore(config: config, app: app, loop: loop)
        core.start { result in
            if case .success(let address) = result { logger.info("Metrics on http://\(address)/metrics") }
            started(result)
        }
        return core
    }
}
