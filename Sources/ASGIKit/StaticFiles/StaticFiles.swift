public import ASGI
import Glibc

/// Serves the files under a directory, GET and HEAD (Starlette's `StaticFiles`), mounted on a
/// router: `router.mount("/static", try StaticFiles(directory: "public"))`.
///
/// - Content type by extension; `etag` (`"<mtime hex>-<size hex>"`, as nginx makes it) and
///   `last-modified`; `if-none-match` (weak comparison, `*`) or else `if-modified-since` → 304.
/// - One `range` (`bytes=a-b`, `a-`, `-n`) → 206 with `content-range`; one that starts past the
///   end → 416 with `content-range: bytes */size`; several ranges, or a syntax this does not
///   read, get the whole file (200), as RFC 9110 allows; `if-range` that does not match → 200.
/// - `html: true`: a folder serves its `index.html` (a folder without the trailing slash is
///   redirected to it, 307), and a missing file serves the root's `404.html` with status 404.
/// - Never anything outside the directory: every path segment is percent-decoded once and a
///   segment that is empty, `.`, `..`, or holds `/`, `\`, NUL or invalid UTF-8 is a 404; the
///   resolved path (symlinks followed) must lie inside the directory's own resolved path, unless
///   `followSymlinks` is true (then symlinks may point anywhere; segments are still checked).
///   No directory listings. Dot-files are served like any file.
/// - Lookups (`realpath`, `stat`) run on `pool`, never on the event loop; the bytes go out with
///   the server's `http.response.pathsend` (sendfile) when the scope offers it, otherwise read in
///   64 KiB pieces on `pool`.
public struct StaticFiles: Sendable {
    public let directory: String
    public let html: Bool
    public let followSymlinks: Bool
    let root: String
    let pool: BlockingPool
    let cache: LookupCache

    /// A pool shared by every `StaticFiles` that is given none.
    static let sharedPool = BlockingPool(threads: 4, maxQueued: 4096)

    /// Throws when `directory` does not exist or is not a directory.
    public init(
        directory: String, html: Bool = false, followSymlinks: Bool = false, cacheSeconds: Double = 1,
        pool: BlockingPool? = nil
    ) throws {
        guard let resolved = realpath(directory, nil) else {
            throw StaticFilesError(message: "StaticFiles: directory '\(directory)' does not exist")
        }
        defer { free(resolved) }
        var info = stat()
        guard stat(resolved, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw StaticFilesError(message: "StaticFiles: '\(directory)' is not a directory")
        }
        self.directory = directory
        self.html = html
        self.followSymlinks = followSymlinks
        self.root = String(cString: resolved)
        self.pool = pool ?? Self.sharedPool
        self.cache = LookupCache(seconds: cacheSeconds)
    }

    /// As an ASGI application.
    public var application: Application {
        let files = self
        return { scope, receive, send in try await files(scope, receive, send) }
    }

    public func callAsFunction(_ scope: Scope, _ receive: @escaping Receive, _ send: @escaping Send) async throws {
        guard scope.type == .http else { return }
        guard scope.method == "GET" || scope.method == "HEAD" else {
            try await sendSimple(send, status: 405, text: "Method Not Allowed", headers: [("allow", "GET, HEAD")])
            return
        }
        let relative = Self.relativePath(scope)
        let found: Lookup
        if let remembered = cache.lookup(relative) {
            found = remembered
        } else {
            do {
                found = try await pool.run { [self] in lookup(relative) }
            } catch is BlockingPoolFull {
                try await sendSimple(send, status: 503, text: "Service Unavailable")
                return
            }
            cache.store(found, for: relative)
        }
        switch found {
        case .file(let file):
            try await serve(file, status: 200, scope: scope, send: send)
        case .redirect:
            var location = scope.path + "/"
            if !scope.queryString.isEmpty { location += "?" + String(decoding: scope.queryString, as: UTF8.self) }
            try await sendSimple(send, status: 307, text: "", headers: [("location", location)])
        case .notFound(let page):
            if let page {
                try await serve(page, status: 404, scope: scope, send: send, conditional: false)
            } else {
                try await sendSimple(send, status: 404, text: "Not Found")
            }
        }
    }

    /// The raw path below the mount point (`root_path`), still percent-encoded.
    static func relativePath(_ scope: Scope) -> [UInt8] {
        let raw = scope.rawPath.isEmpty ? Array(scope.path.utf8) : scope.rawPath
        let prefix = Array(scope.rootPath.utf8)
        if !prefix.isEmpty, raw.starts(with: prefix) { return Array(raw[prefix.count...]) }
        return raw
    }

    func sendSimple(_ send: Send, status: Int, text: String, headers: Headers = Headers()) async throws {
        var all = headers
        let body = Array(text.utf8)
        if !body.isEmpty { all.append(name: "content-type", value: "text/plain; charset=utf-8") }
        try await send(.responseStart(status: status, headers: all))
        try await send(.responseBody(body))
    }
}

/// `StaticFiles(directory:)` could not use its directory.
public struct StaticFilesError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
