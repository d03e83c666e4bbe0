import Foundation
import Logging
import PushgateCore
import PushgateStore

/// Everything the REST API's routes use, built once by the application builder.
package struct APIContext: Sendable {
    package var store: any DeliveryStore
    package var router: ProviderRouter
    package var apps: AppDirectory
    package var metrics: GatewayMetrics
    package var limits: APILimits
    /// What keeps the gateway from serving (store unreachable, no adapters); empty when ready.
    package var readiness: @Sendable () async -> [String]
    /// Wall-clock time for `accepted_at` and expirations: the gateway's one clock; tests pin it.
    package var clock: WallClock
    /// The vendors the gateway knows (configured for some app or not): what `overrides` may name.
    package var knownVendors: Set<Vendor>
    package var logger: Logger
    /// The gateway's own dispatcher, for hand-off after commit; nil stores every accept queued
    /// (an API without a dispatcher in this process).
    package var dispatcher: Dispatcher?

    package init(
        store: any DeliveryStore,
        router: ProviderRouter,
        apps: AppDirectory,
        metrics: GatewayMetrics,
        limits: APILimits = .init(),
        readiness: @escaping @Sendable () async -> [String] = { [] },
        clock: WallClock = .system,
        knownVendors: Set<Vendor>,
        logger: Logger,
        dispatcher: Dispatcher? = nil
    ) {
        self.store = store
        self.router = router
        self.apps = apps
        self.metrics = metrics
        self.limits = limits
        self.readiness = readiness
        self.clock = clock
        self.knownVendors = knownVendors
        self.logger = logger
        self.dispatcher = dispatcher
    }
}
