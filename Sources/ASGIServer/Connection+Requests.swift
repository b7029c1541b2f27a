import ASGI
import HTTP1
import Logging
import UVLoop

extension Connection {
    /// The ASGI scope of `head` on this connection: root path in front of `path` and `raw_path`
    /// (as uvicorn does), client and scheme from proxy headers when the peer is trusted.
    func makeScope(for head: consuming RequestHead, peerTrusted: Bool) -> Scope {
        // The head's strings and fields move into the scope (swapped out, not copied): ten
        // references are not counted up here and down again when the head goes.
        var method = "", path = "", rawPath: [UInt8] = [], queryString: [UInt8] = []
        var headers = Headers(), httpVersion = ""
        swap(&method, &head.method)
        swap(&path, &head.path)
        swap(&rawPath, &head.rawPath)
        swap(&queryString, &head.queryString)
        swap(&headers, &head.headers)
        swap(&httpVersion, &head.httpVersion)
        let view = core.view(path: path, rawPath: rawPath, headers: headers, client: client, peerTrusted: peerTrusted)
        return Scope(
            method: method, path: view.path, rawPath: view.rawPath, queryString: queryString,
            headers: headers, httpVersion: httpVersion, scheme: view.forwardedScheme ?? "http",
            rootPath: core.config.rootPath, client: view.client, server: core.serverAddress,
            copyingStateOf: core.lifespanState)
    }

    func logAccess(_ exchange: Exchange) {
        guard let scope = exchange.scope else { return }
        let format = core.config.accessLogFormat
        // The path as the client sent it: the scope's raw path after the `--root-path` prefix.
        let path = scope.rawPath.dropFirst(core.rootPathBytes.count)
        let entry = AccessLogFormat.Entry(
            client: exchange.client?.description ?? "-", method: scope.method,
            path: String(decoding: path, as: UTF8.self),
            query: String(decoding: scope.queryString, as: UTF8.self), httpVersion: scope.httpVersion,
            status: exchange.status, bytes: exchange.bodyBytesSent,
            seconds: Double(core.loop.now &- exchange.startedAt) / 1000,
            userAgent: format.usesUserAgent ? scope.headers["user-agent"] ?? "-" : "-",
            referer: format.usesReferer ? scope.headers["referer"] ?? "-" : "-")
        core.logger.info("\(format.render(entry))")
    }
}

extension ServerCore {
    /// What HTTP and WebSocket scopes share: `--root-path` in front of `path` and `raw_path` (as
    /// uvicorn does), and the client and scheme from proxy headers when the peer is trusted.
    @inline(__always)
    func view(
        path: consuming String, rawPath: consuming [UInt8], headers: borrowing Headers, client: Scope.Address?,
        peerTrusted: Bool
    ) -> (path: String, rawPath: [UInt8], client: Scope.Address?, forwardedScheme: String?) {
        let rootPath = config.rootPath  // not `let config = self.config`: that copies (and retains) it all
        if !rootPath.isEmpty {
            path = rootPath + path
            rawPath = rootPathBytes + rawPath
        }
        guard let proxy else { return (path, rawPath, client, nil) }
        let forwarded = proxy.apply(client: client, peerTrusted: peerTrusted, headers: headers)
        return (path, rawPath, forwarded.client, forwarded.scheme)
    }
}
