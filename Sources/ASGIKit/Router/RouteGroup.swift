/// Routes sharing a path prefix and middleware. Group middleware runs inside the router's, and
/// applies to the group's routes (and its subgroups') whenever they were registered.
///
/// ```swift
/// let api = router.group("/api/v1")
/// api.use(requireToken)
/// api.get("/users/:id") { request in ... }     // GET /api/v1/users/7
/// ```
public struct RouteGroup: RouteBuilder {
    let router: Router
    /// The full prefix, parents' included.
    public let prefix: String
    let index: Int

    public func add(_ method: String, _ path: String, _ handler: RouteHandler) {
        router.add(Router.Definition(method: method, path: RoutePattern.join(prefix, path), kind: handler, group: index))
    }

    public func use(_ middleware: @escaping RouterMiddleware) {
        router.addMiddleware(middleware, group: index)
    }

    public func group(_ prefix: String) -> RouteGroup {
        RouteGroup(router: router, prefix: RoutePattern.join(self.prefix, prefix), index: router.addGroup(parent: index))
    }
}
