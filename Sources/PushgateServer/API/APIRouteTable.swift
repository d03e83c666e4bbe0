import Hummingbird

/// Every path the API serves and the methods each one accepts: what a `405` names in `Allow`.
///
/// Hummingbird answers a known path with an unknown method as if the path did not exist (404);
/// RFC 9110 §15.5.6 wants 405 with `Allow`, and so do OpenAPI conformance tools. The table is
/// checked against the router and against `openapi.yaml` by the tests, so the three agree.
struct APIRouteTable: Sendable {
    /// One path pattern (`{name}` matches one non-empty segment) and its methods.
    struct Route: Sendable, Hashable {
        var path: String
        var methods: [HTTPRequest.Method]

        fileprivate var segments: [Substring] { self.path.split(separator: "/") }
    }

    static let routes: [Route] = [
        Route(path: "/v1/notifications", methods: [.post]),
        Route(path: "/v1/notifications:batch", methods: [.post]),
        Route(path: "/v1/notifications/{id}", methods: [.get, .delete]),
        Route(path: "/v1/notifications/{id}/cancel", methods: [.post]),
        Route(path: "/v1/invalid-tokens", methods: [.get]),
        Route(path: "/healthz", methods: [.get]),
        Route(path: "/readyz", methods: [.get]),
        Route(path: "/metrics", methods: [.get]),
        Route(path: "/openapi.yaml", methods: [.get]),
    ]

    /// `"METHOD /path"` for every route and method, the OpenAPI document's operations.
    static var operations: Set<String> {
        Set(self.routes.flatMap { route in route.methods.map { "\($0.rawValue) \(route.path)" } })
    }

    /// The route whose pattern matches `path`, segment by segment as Hummingbird's router
    /// matches (empty segments are ignored, so a trailing slash does not matter).
    static func route(matching path: String) -> Route? {
        let segments = path.split(separator: "/")
        return self.routes.first { route in
            let pattern = route.segments
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { expected, actual in
                (expected.hasPrefix("{") && expected.hasSuffix("}")) || expected == actual
            }
        }
    }

    /// The `Allow` value for a route: its methods in the table's order.
    static func allowHeader(for route: Route) -> String {
        route.methods.map(\.rawValue).joined(separator: ", ")
    }
}
