import ASGI
import HTTP1
import Logging
import UVLoop

extension Connection {
    /// The ASGI scope of `head` on this connection: root path in front of `path` and `raw_path`
    /// (as uvicorn does), client and scheme from proxy headers when the peer is trusted.
    func makeScope(for head: RequestHead, peerTrusted: Bool) -> Scope {
        let view = core.view(of: head, client: client, peerTrusted: peerTrusted)
        return Scope(
            method: head.method, path: view.path, rawPath: view.rawPath, queryString: head.queryString,
            headers: head.headers, httpVersion: head.httpVersion, scheme: view.forwardedScheme ?? "http",
            rootPath: core.config.rootPath, client: view.client, server: core.serverAddress,
            copyingStateOf: core.lifespanState)
    }

    func logAccess(_ exchange: Exchange) {
        let head = exchange.head
        let format = core.config.accessLogFormat
        let entry = AccessLogFormat.Entry(
            client: exchange.client?.description ?? "-", method: head.method,
            path: String(decoding: head.rawPath, as: UTF8.self),
            query: String(decoding: head.queryString, as: UTF8.self), httpVersion: head.httpVersion,
            status: exchange.status, bytes: exchange.bodyBytesSent,
            seconds: Double(core.loop.now &- exchange.startedAt) / 1000,
            userAgent: format.usesUserAgent ? head.headers["user-agent"] ?? "-" : "-",
            referer: format.usesReferer ? head.headers["referer"] ?? "-" : "-")
        core.logger.info("\(format.render(entry))")
    }
}

extension ServerCore {
    /// What HTTP and WebSocket scopes share: `--root-path` in front of `path` and `raw_path` (as
    /// uvicorn does), and the client and scheme from proxy headers when the peer is trusted.
    @inline(__always)
    func view(of head: RequestHead, client: Scope.Address?, peerTrusted: Bool)
        -> (path: String, rawPath: [UInt8], client: Scope.Address?, forwardedScheme: String?)
    {
        let rootPath = config.rootPath  // not `let config = self.config`: that copies (and retains) it all
        let path = rootPath.isEmpty ? head.path : rootPath + head.path
        let rawPath = rootPath.isEmpty ? head.rawPath : rootPathBytes + head.rawPath
        guard let proxy else { return (path, rawPath, client, nil) }
        let forwarded = proxy.apply(client: client, peerTrusted: peerTrusted, headers: head.headers)
        return (path, rawPath, forwarded.client, forwarded.scheme)
    }
}
