import Hummingbird

/// The REST API v1 (issue 4 §3): notifications, idempotency, status, cancel, the invalid-token
/// feed, health, metrics and the OpenAPI document.
package enum GatewayAPI {
    /// The router with every route, for `Application(router:configuration:services:)`.
    ///
    /// The `Idempotency-Key` in-flight guard lives in the returned router: build one router per
    /// process, not per connection.
    package static func makeRouter(context: APIContext) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        // Added first: it must wrap every route and the not-found responder.
        router.add(middleware: APIMiddleware(api: context))
        // One in-flight guard for both: an item's key and a single request's key are the same key.
        let inFlight = IdempotencyGuard()
        NotificationRoutes(api: context, inFlight: inFlight).register(on: router)
        BatchNotificationRoutes(api: context, inFlight: inFlight).register(on: router)
        InvalidTokenRoutes(api: context).register(on: router)
        HealthRoutes(api: context, openAPI: OpenAPIDocument.load()).register(on: router)
        return router
    }
}
