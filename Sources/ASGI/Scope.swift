/// The connection scope handed to an ``Application``: the ASGI HTTP scope (or a lifespan scope,
/// where only `type`, `asgi` and `state` are meaningful).
public struct Scope: Sendable {
    /// `"http"` or `"lifespan"`.
    public enum Kind: String, Sendable { case http, lifespan }

    /// A socket address as ASGI gives it: `(host, port)`; for a Unix socket, `(path, nil)`.
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int?
        public init(host: String, port: Int?) { self.host = host; self.port = port }
        public var description: String { port.map { "\(host):\($0)" } ?? host }
    }

    public var type: Kind
    /// `scope["asgi"]["version"]`, always `"3.0"`.
    public var asgiVersion: String = ASGIVersion.version
    /// `scope["asgi"]["spec_version"]`: `"2.4"` for HTTP, `"2.0"` for lifespan.
    public var specVersion: String
    /// `"1.0"` or `"1.1"`.
    public var httpVersion: String
    /// Upper-case request method, e.g. `"GET"`.
    public var method: String
    /// `"http"` (or `"https"` when a trusted proxy says so).
    public var scheme: String
    /// Percent-decoded path, without the query string.
    public var path: String
    /// The path bytes exactly as they came on the wire (still percent-encoded), without the query.
    public var rawPath: [UInt8]
    /// The bytes after `?`, not decoded; empty when there is none.
    public var queryString: [UInt8]
    /// The mount point of the application (`--root-path`); empty by default.
    public var rootPath: String
    /// Request headers in wire order, names lower-cased, duplicates kept.
    public var headers: Headers
    /// The peer, when known.
    public var client: Address?
    /// The listening address this connection came in on, when known.
    public var server: Address?
    /// Per-request copy of the state the lifespan startup filled in.
    public var state: ScopeState

    /// An HTTP scope.
    public init(
        method: String, path: String, rawPath: [UInt8], queryString: [UInt8] = [],
        headers: Headers = Headers(), httpVersion: String = "1.1", scheme: String = "http",
        rootPath: String = "", client: Address? = nil, server: Address? = nil,
        state: ScopeState = ScopeState()
    ) {
        self.type = .http
        self.specVersion = ASGIVersion.httpSpecVersion
        self.httpVersion = httpVersion
        self.method = method
        self.scheme = scheme
        self.path = path
        self.rawPath = rawPath
        self.queryString = queryString
        self.rootPath = rootPath
        self.headers = headers
        self.client = client
        self.server = server
        self.state = state
    }

    /// A lifespan scope sharing `state` with the HTTP scopes that follow it.
    public static func lifespan(state: ScopeState) -> Scope {
        var scope = Scope(method: "", path: "", rawPath: [], state: state)
        scope.type = .lifespan
        scope.specVersion = ASGIVersion.lifespanSpecVersion
        scope.httpVersion = ""
        scope.scheme = ""
        return scope
    }
}
