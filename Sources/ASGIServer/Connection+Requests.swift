import ASGI
import HTTP1
import Logging
import UVLoop

extension Connection {
    /// A request head arrived: build the scope and start the application on the loop executor.
    func startExchange(_ head: RequestHead) {
        let rootPath = core.config.rootPath  // not `let config = core.config`: that copies (and retains) it all
        let exchange = Exchange(connection: self, head: head)
        self.exchange = exchange
        core.activeRequests += 1
        // As uvicorn does, both `path` and `raw_path` carry the root path in front.
        let path = rootPath.isEmpty ? head.path : rootPath + head.path
        let rawPath = rootPath.isEmpty ? head.rawPath : core.rootPathBytes + head.rawPath
        var client = self.client
        var scheme = "http"
        if let proxy = core.proxy {
            if peerTrusted == nil { peerTrusted = client.map { proxy.isTrusted($0.host) } ?? false }
            let forwarded = proxy.apply(client: client, peerTrusted: peerTrusted ?? false, headers: head.headers)
            client = forwarded.client
            if let forwardedScheme = forwarded.scheme { scheme = forwardedScheme }
        }
        exchange.client = client
        let scope = Scope(
            method: head.method, path: path, rawPath: rawPath, queryString: head.queryString,
            headers: head.headers, httpVersion: head.httpVersion, scheme: scheme,
            rootPath: rootPath, client: client, server: core.serverAddress,
            state: core.lifespanState.copy())
        let app = core.app
        let loop = core.loop
        Task(executorPreference: loop.executor) {
            var failure: (any Error)?
            do {
                // Each closure captures only `exchange`, which Swift can use as the closure context
                // itself (no context allocation).
                try await app(scope, { try await exchange.receiveOnLoop() }, { event in try await exchange.sendOnLoop(event) })
            } catch {
                failure = error
            }
            exchange.applicationFinished(error: failure)
        }
    }

    /// The response of `exchange` is complete: log it, then serve the next request or close.
    func responseDone(_ exchange: Exchange, keepAlive responseKeepAlive: Bool) {
        if core.config.accessLog { logAccess(exchange) }
        core.requestCompleted()
        guard self.exchange === exchange, state == .open else { return }
        self.exchange = nil
        requestsServed += 1
        lastResponseEnd = core.loop.now
        // A body the application did not read cannot be skipped cheaply: close instead.
        guard responseKeepAlive, keepAlive, exchange.messageComplete, !core.isShuttingDown else {
            closeAfterFlush()
            return
        }
        if readPausedForBody {
            readPausedForBody = false
            resumeReadingIfAllowed()
        }
        drainPending()
        if self.exchange == nil, state == .open {
            if parser.isIdle {
                armTimer(.keepAlive, after: core.config.timeoutKeepAlive)
            } else {
                armTimer(.header, after: core.config.timeoutHeader)
            }
        }
    }

    /// The application call returned (or threw) for `exchange`.
    func applicationFinished(_ exchange: Exchange, error: (any Error)?) {
        core.activeRequests -= 1
        if let error {
            if let asgi = error as? ASGIError, asgi.isDisconnected {
                core.logger.debug("application stopped after the client left")
            } else {
                core.logger.error("Exception in ASGI application: \(error)")
            }
        } else if !exchange.responseComplete && !exchange.lost {
            core.logger.error("ASGI callable returned without completing the response")
        }
        guard !exchange.responseComplete, state == .open, self.exchange === exchange else { return }
        if exchange.responseStarted {
            endTruncated()
        } else {
            exchange.connectionLost()
            respondDirectly(status: 500, message: "Internal Server Error")
        }
    }

    /// Ends a response that cannot be completed: what is buffered goes out, then the connection
    /// closes, so the client sees a truncated response (no final chunk, or fewer bytes than announced).
    func endTruncated() {
        exchange?.connectionLost()
        rejecting = true
        closeAfterFlush()
    }

    private func logAccess(_ exchange: Exchange) {
        let head = exchange.head
        let entry = AccessLogFormat.Entry(
            client: exchange.client?.description ?? "-", method: head.method,
            path: String(decoding: head.rawPath, as: UTF8.self),
            query: String(decoding: head.queryString, as: UTF8.self), httpVersion: head.httpVersion,
            status: exchange.status, bytes: exchange.bodyBytesSent,
            seconds: Double(core.loop.now &- exchange.startedAt) / 1000,
            userAgent: head.headers["user-agent"] ?? "-", referer: head.headers["referer"] ?? "-")
        core.logger.info("\(core.config.accessLogFormat.render(entry))")
    }
}
