import ASGI
import HTTP1
import Logging
import UVLoop

extension Connection {
    /// The ASGI scope of `head` on this connection: root path in front of `path` and `raw_path`
    /// (as uvicorn does), client and scheme from proxy headers when the peer is trusted.
    func makeScope(for head: RequestHead, peerTrusted: Bool) -> Scope {
        let rootPath = core.config.rootPath  // not `let config = core.config`: that copies (and retains) it all
        let path = rootPath.isEmpty ? head.path : rootPath + head.path
        let rawPath = rootPath.isEmpty ? head.rawPath : core.rootPathBytes + head.rawPath
        var client = self.client
        var scheme = "http"
        if let proxy = core.proxy {
            let forwarded = proxy.apply(client: client, peerTrusted: peerTrusted, headers: head.headers)
            client = forwarded.client
            if let forwardedScheme = forwarded.scheme { scheme = forwardedScheme }
        }
        return Scope(
            method: head.method, path: path, rawPath: rawPath, queryString: head.queryString,
            headers: head.headers, httpVersion: head.httpVersion, scheme: scheme,
            rootPath: rootPath, client: client, server: core.serverAddress,
            state: core.lifespanState.copy())
    }

    func logAccess(_ exchange: Exchange) {
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
