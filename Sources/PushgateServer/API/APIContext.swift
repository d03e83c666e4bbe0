import Foundation
import Logging
import PushgateStore

/// Everything the REST API's routes use, built once by the application builder.
public struct APIContext: Sendable {
    public var store: any DeliveryStore
    public var router: ProviderRouter
    public var apps: AppDirectory
    public var metrics: GatewayMetrics
    public var limits: APILimits
    /// What keeps the gateway from serving (store unreachable, no adapters); empty when ready.
    public var readiness: @Sendable () async -> [String]
    /// Wall-clock time for `accepted_at` and expirations; tests pin it.
    public var clock: @Sendable () -> Date
    public var logger: Logger

    public init(
        store: any DeliveryStore,
        router: ProviderRouter,
        apps: AppDirectory,
        metrics: GatewayMetrics,
        limits: APILimits = .init(),
        readiness: @escaping @Sendable () async -> [String] = { [] },
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger
    ) {
        self.store = store
        self.router = router
        self.apps = apps
        self.metrics = metrics
        self.limits = limits
        self.readiness = readiness
        self.clock = clock
        self.logger = logger
    }
}
