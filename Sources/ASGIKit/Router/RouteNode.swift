/// One segment of the route trie. Static children are hashed by their bytes, so a lookup costs
/// one hash per segment whatever the number of routes.
final class RouteNode: @unchecked Sendable {
    // Safety: nodes are mutated only while a RouteTable is built (inside the Router's lock, before
    // the table is published); afterwards the trie is read-only.

    /// A route ready to serve: its method, its composed handler, its captured names in order.
    struct Route: Sendable {
        let method: String
        let pattern: String
        let parameterNames: [String]
        let handler: Handler
        /// For a WebSocket route (in the router's WebSocket table), its handler.
        var webSocket: WebSocketHandler? = nil
    }

    /// The method key of WebSocket routes in a ``Router``'s definitions.
    static let webSocketMethod = "WEBSOCKET"

    // `@exclusivity(unchecked)`: read on every request once built; a dynamic exclusivity check
    // costs ~110 instructions per access.
    @exclusivity(unchecked) var literals: [PathKey: RouteNode] = [:]
    @exclusivity(unchecked) var parameter: RouteNode?
    @exclusivity(unchecked) var catchAll: RouteNode?
    @exclusivity(unchecked) private(set) var routes: [Route] = []

    /// The route for `method`; HEAD falls back to GET.
    @inline(__always)
    func route(for method: String) -> Route? {
        // By index: `for route in routes` copied every route it passed (five references each).
        for index in routes.indices where routes[index].method == method { return routes[index] }
        if method == "HEAD" {
            for index in routes.indices where routes[index].method == "GET" { return routes[index] }
        }
        return nil
    }

    /// Methods answered here, HEAD included when GET is.
    var allowedMethods: [String] {
        var methods = routes.map(\.method)
        if methods.contains("GET") && !methods.contains("HEAD") { methods.append("HEAD") }
        return methods
    }

    func add(_ route: Route) {
        precondition(
            !routes.contains { $0.method == route.method },
            "Route \(route.method) \(route.pattern) is registered twice")
        routes.append(route)
    }

    /// The node for `pattern`, created as needed.
    func descend(_ pattern: RoutePattern) -> RouteNode {
        var node = self
        for segment in pattern.segments {
            switch segment {
            case .literal(let bytes):
                let key = PathKey(bytes)
                if let child = node.literals[key] {
                    node = child
                } else {
                    let child = RouteNode()
                    node.literals[key] = child
                    node = child
                }
            case .parameter:
                if node.parameter == nil { node.parameter = RouteNode() }
                node = node.parameter!
            case .catchAll:
                if node.catchAll == nil { node.catchAll = RouteNode() }
                node = node.catchAll!
            }
        }
        return node
    }
}
