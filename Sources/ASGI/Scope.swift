import Synchronization

/// The connection scope handed to an ``Application``: the ASGI HTTP or WebSocket scope (or a
/// lifespan scope, where only `type`, `asgi` and `state` are meaningful).
///
/// A value type with copy-on-write storage: passing a scope around costs one reference count,
/// and a middleware that changes a field (say `rootPath`) changes only its own copy.
public struct Scope: Sendable {
    /// `"http"`, `"websocket"` or `"lifespan"`.
    public enum Kind: String, Sendable { case http, websocket, lifespan }

    /// A socket address as ASGI gives it: `(host, port)`; for a Unix socket, `(path, nil)`.
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int?
        public init(host: String, port: Int?) { self.host = host; self.port = port }
        public var description: String { port.map { "\(host):\($0)" } ?? host }
    }

    final class Storage: @unchecked Sendable {
        // Safety: never mutated once shared; `Scope`'s setters copy it first unless uniquely owned.
        var type: Kind
        var asgiVersion: String
        var specVersion: String
        var httpVersion: String
        var method: String
        var scheme: String
        var path: String
        var rawPath: [UInt8]
        var queryString: [UInt8]
        var rootPath: String
        var headers: Headers
        var client: Address?
        var server: Address?
        /// The state given (or set); when nil, `stateSource` is copied on the first read.
        var assignedState: ScopeState?
        /// The lifespan state this scope gets a copy of when it first reads `state`: most requests
        /// never do, and then cost no copy (an allocation and a lock).
        let stateSource: ScopeState?
        let copiedState = AtomicLazyReference<ScopeState>()
        var subprotocols: [String]
        var extensions: Set<String>

        init(
            type: Kind, asgiVersion: String, specVersion: String, httpVersion: String, method: String,
            scheme: String, path: String, rawPath: [UInt8], queryString: [UInt8], rootPath: String,
            headers: Headers, client: Address?, server: Address?, state: ScopeState?, stateSource: ScopeState?,
            subprotocols: [String] = [], extensions: Set<String> = Scope.httpExtensions
        ) {
            self.type = type
            self.asgiVersion = asgiVersion
            self.specVersion = specVersion
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
            self.assignedState = state
            self.stateSource = stateSource
            self.subprotocols = subprotocols
            self.extensions = extensions
        }

        var state: ScopeState {
            if let assignedState { return assignedState }
            if let copied = copiedState.load() { return copied }
            return copiedState.storeIfNil(stateSource.unsafelyUnwrapped.copy())
        }

        func copy() -> Storage {
            Storage(
                type: type, asgiVersion: asgiVersion, specVersion: specVersion, httpVersion: httpVersion,
                method: method, scheme: scheme, path: path, rawPath: rawPath, queryString: queryString,
                rootPath: rootPath, headers: headers, client: client, server: server, state: state, stateSource: nil,
                subprotocols: subprotocols, extensions: extensions)
        }
    }

    /// The extensions an HTTP scope advertises: response trailers and path send.
    public static let httpExtensions: Set<String> = ["http.response.trailers", "http.response.pathsend"]
    /// The extensions a WebSocket scope advertises: the denial response.
    public static let websocketExtensions: Set<String> = ["websocket.http.response"]

    private var storage: Storage

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// An HTTP scope.
    public init(
        method: String, path: String, rawPath: [UInt8], queryString: [UInt8] = [],
        headers: Headers = Headers(), httpVersion: String = "1.1", scheme: String = "http",
        rootPath: String = "", client: Address? = nil, server: Address? = nil,
        state: ScopeState = ScopeState()
    ) {
        self.init(
            method: method, path: path, rawPath: rawPath, queryString: queryString, headers: headers,
            httpVersion: httpVersion, scheme: scheme, rootPath: rootPath, client: client, server: server,
            state: state, stateSource: nil)
    }

    /// An HTTP or WebSocket scope whose `state` is a copy of `lifespanState`, taken when the
    /// request first reads it (so a request that never reads it costs no copy).
    package init(
        method: String, path: String, rawPath: [UInt8], queryString: [UInt8], headers: Headers,
        httpVersion: String, scheme: String, rootPath: String, client: Address?, server: Address?,
        copyingStateOf lifespanState: ScopeState
    ) {
        self.init(
            method: method, path: path, rawPath: rawPath, queryString: queryString, headers: headers,
            httpVersion: httpVersion, scheme: scheme, rootPath: rootPath, client: client, server: server,
            state: nil, stateSource: lifespanState)
    }

    /// An HTTP scope with `state`, or (nil) a copy of `stateSource` taken on its first read.
    private init(
        method: String, path: String, rawPath: [UInt8], queryString: [UInt8], headers: Headers,
        httpVersion: String, scheme: String, rootPath: String, client: Address?, server: Address?,
        state: ScopeState?, stateSource: ScopeState?
    ) {
        storage = Storage(
            type: .http, asgiVersion: ASGIVersion.version, specVersion: ASGIVersion.httpSpecVersion,
            httpVersion: httpVersion, method: method, scheme: scheme, path: path, rawPath: rawPath,
            queryString: queryString, rootPath: rootPath, headers: headers, client: client,
            server: server, state: state, stateSource: stateSource)
    }

    /// A WebSocket scope (`type` `"websocket"`, spec version 2.5): `scheme` is `"ws"` or `"wss"`,
    /// `subprotocols` what the client offered in `Sec-WebSocket-Protocol`, in its order.
    public static func websocket(
        path: String, rawPath: [UInt8], queryString: [UInt8] = [], headers: Headers = Headers(),
        httpVersion: String = "1.1", scheme: String = "ws", rootPath: String = "",
        client: Address? = nil, server: Address? = nil, subprotocols: [String] = [],
        state: ScopeState = ScopeState()
    ) -> Scope {
        let scope = Scope(
            method: "GET", path: path, rawPath: rawPath, queryString: queryString, headers: headers,
            httpVersion: httpVersion, scheme: scheme, rootPath: rootPath, client: client, server: server,
            state: state)
        scope.storage.type = .websocket
        scope.storage.specVersion = ASGIVersion.websocketSpecVersion
        scope.storage.subprotocols = subprotocols
        scope.storage.extensions = Scope.websocketExtensions
        return scope
    }

    /// A lifespan scope sharing `state` with the HTTP scopes that follow it.
    public static func lifespan(state: ScopeState) -> Scope {
        var scope = Scope(method: "", path: "", rawPath: [], httpVersion: "", scheme: "", state: state)
        scope.type = .lifespan
        scope.specVersion = ASGIVersion.lifespanSpecVersion
        scope.extensions = []
        return scope
    }

    public var type: Kind {
        get { storage.type }
        set { unique().type = newValue }
    }
    /// `scope["asgi"]["version"]`, always `"3.0"`.
    public var asgiVersion: String {
        get { storage.asgiVersion }
        set { unique().asgiVersion = newValue }
    }
    /// `scope["asgi"]["spec_version"]`: `"2.4"` for HTTP, `"2.5"` for WebSocket, `"2.0"` for lifespan.
    public var specVersion: String {
        get { storage.specVersion }
        set { unique().specVersion = newValue }
    }
    /// `"1.0"` or `"1.1"`.
    public var httpVersion: String {
        get { storage.httpVersion }
        set { unique().httpVersion = newValue }
    }
    /// Upper-case request method, e.g. `"GET"`.
    public var method: String {
        get { storage.method }
        set { unique().method = newValue }
    }
    /// `"http"` (or `"https"` when a trusted proxy says so); `"ws"` / `"wss"` for a WebSocket.
    public var scheme: String {
        get { storage.scheme }
        set { unique().scheme = newValue }
    }
    /// Percent-decoded path, without the query string (`root_path` included, as uvicorn does).
    public var path: String {
        get { storage.path }
        set { unique().path = newValue }
    }
    /// The path bytes exactly as they came on the wire (still percent-encoded), without the query.
    public var rawPath: [UInt8] {
        get { storage.rawPath }
        set { unique().rawPath = newValue }
    }
    /// The bytes after `?`, not decoded; empty when there is none.
    public var queryString: [UInt8] {
        get { storage.queryString }
        set { unique().queryString = newValue }
    }
    /// The mount point of the application (`--root-path`); empty by default.
    public var rootPath: String {
        get { storage.rootPath }
        set { unique().rootPath = newValue }
    }
    /// Request headers in wire order, names lower-cased, duplicates kept.
    public var headers: Headers {
        get { storage.headers }
        set { unique().headers = newValue }
    }
    /// The peer, when known.
    public var client: Address? {
        get { storage.client }
        set { unique().client = newValue }
    }
    /// The listening address this connection came in on, when known.
    public var server: Address? {
        get { storage.server }
        set { unique().server = newValue }
    }
    /// Per-request copy of the state the lifespan startup filled in.
    public var state: ScopeState {
        get { storage.state }
        set { unique().assignedState = newValue }
    }
    /// WebSocket: the subprotocols the client offered (`Sec-WebSocket-Protocol`), in its order.
    public var subprotocols: [String] {
        get { storage.subprotocols }
        set { unique().subprotocols = newValue }
    }
    /// `scope["extensions"]`: the names of the protocol extensions the server supports for this
    /// scope (`"http.response.trailers"`, `"websocket.http.response"`).
    public var extensions: Set<String> {
        get { storage.extensions }
        set { unique().extensions = newValue }
    }
}
