import Foundation
import Hummingbird
import Logging
import NIOCore
import PushgateCore
import PushgateStore
import ServiceLifecycle

/// Assembles the gateway from its configuration: store, adapters, dispatcher, webhook sender
/// and REST API, in the order a `ServiceGroup` must run them. It shuts them down in reverse:
/// the API stops accepting first, then the webhook sender finishes its requests, then the
/// dispatcher drains, then adapters close, then the store. (Events the draining dispatcher
/// still queues stay in the store's outbox for the next start.)
package struct GatewayServices: Sendable {
    package let store: any DeliveryStore
    package let router: ProviderRouter
    package let dispatcher: Dispatcher
    /// Nil when no app has a webhook (nothing to send, so no outbox polling).
    package let webhooks: WebhookSender?
    package let metrics: GatewayMetrics
    package let services: [any Service]

    /// - Parameters:
    ///   - registry: the vendors the gateway can send to; the executable passes the standard one.
    ///   - clock: the one wall clock of the store, the dispatcher and the API.
    ///   - onListening: called with the bound port once the API listens.
    ///   - webhookConfiguration: the webhook sender's timing (tests shorten its backoff).
    package static func make(
        configuration: GatewayConfiguration,
        registry: VendorRegistry,
        eventLoopGroup: any EventLoopGroup,
        clock: WallClock = .system,
        logger: Logger,
        webhookConfiguration: WebhookSender.Configuration = .init(),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> GatewayServices {
        guard let listen = HostAndPort(configuration.listen) else {
            throw PushgateError.invalidConfiguration("listen: expected host:port")
        }
        // Secrets are resolved once, here, before anything is opened: a missing one fails the start.
        let webhookEndpoints = try WebhookSender.endpoints(apps: configuration.apps)
        let router = try await AdapterFactory.makeRouter(
            configuration: configuration, registry: registry, logger: logger)
        // A lease shorter than a send would expire mid-send and the delivery go out twice.
        let lease = configuration.dispatcher.lease.duration
        if let slow = router.all.first(where: { $0.adapter.longestSend >= lease }) {
            await router.shutdown()
            throw PushgateError.invalidConfiguration(
                "dispatcher.lease: \(DurationText.format(lease)) must be longer than the longest send of app "
                    + "\(slow.appID) to \(slow.vendor) (\(DurationText.format(slow.adapter.longestSend)), its request "
                    + "timeout): a send still running when its lease expires would be sent again")
        }
        let store: any DeliveryStore
        do {
            store = try await DeliveryStoreFactory.open(url: configuration.store, clock: clock, logger: logger)
        } catch {
            await router.shutdown()
            throw error
        }
        let metrics = GatewayMetrics()
        var policies: [Dispatcher.PolicyKey: Dispatcher.LanePolicy] = [:]
        for app in configuration.apps {
            for vendor in app.vendors.keys {
                let rateLimit = app.rateLimit(for: vendor)
                policies[Dispatcher.PolicyKey(appID: app.id, vendor: vendor)] = Dispatcher.LanePolicy(
                    retry: app.retry(for: vendor).policy,
                    perSecond: rateLimit.perSecond,
                    concurrency: rateLimit.concurrency,
                    webhooks: app.webhook != nil
                )
            }
        }
        var dispatcherConfiguration = Dispatcher.Configuration()
        dispatcherConfiguration.batchSize = configuration.dispatcher.batchSize
        dispatcherConfiguration.leaseDuration = configuration.dispatcher.lease.duration
        dispatcherConfiguration.maxInFlight = configuration.dispatcher.maxInFlight
        dispatcherConfiguration.shutdownGrace = configuration.dispatcher.shutdownGrace.duration
        var dispatcherLogger = logger
        dispatcherLogger[metadataKey: "component"] = "dispatcher"
        let dispatcher = Dispatcher(
            store: store,
            router: router,
            policies: policies,
            configuration: dispatcherConfiguration,
            clock: clock,
            metrics: metrics,
            logger: dispatcherLogger
        )
        let context = APIContext(
            store: store,
            router: router,
            apps: AppDirectory(apps: configuration.apps),
            metrics: metrics,
            limits: APILimits(
                maxRequestBytes: configuration.maxRequestBytes,
                maxTargets: 1000,
                idempotencyWindow: configuration.idempotencyWindow.duration
            ),
            readiness: {
                var problems: [String] = []
                do { try await store.ping() } catch { problems.append("store: \(error)") }
                if router.isEmpty { problems.append("no vendor adapter is configured") }
                return problems
            },
            clock: clock,
            knownVendors: Set(registry.vendors),
            logger: logger,
            dispatcher: configuration.dispatcher.handOff ? dispatcher : nil
        )
        let application = Application(
            router: GatewayAPI.makeRouter(context: context),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "pushgate"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? listen.port) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger
        )
        var retentionLogger = logger
        retentionLogger[metadataKey: "component"] = "retention"
        let maintenance = StoreRetention(
            store: store,
            settings: .init(
                idempotencyWindow: configuration.idempotencyWindow.duration,
                notifications: configuration.retention.notifications.duration,
                invalidTokens: configuration.retention.invalidTokens.duration,
                every: configuration.retention.every.duration
            ),
            clock: clock,
            logger: retentionLogger
        )
        var services: [any Service] = [store, router, maintenance, dispatcher]
        var webhooks: WebhookSender?
        if !webhookEndpoints.isEmpty {
            var webhookLogger = logger
            webhookLogger[metadataKey: "component"] = "webhooks"
            let sender = WebhookSender(
                store: store,
                endpoints: webhookEndpoints,
                configuration: webhookConfiguration,
                clock: clock,
                logger: webhookLogger
            )
            webhooks = sender
            services.append(sender)
        }
        services.append(application)
        return GatewayServices(
            store: store,
            router: router,
            dispatcher: dispatcher,
            webhooks: webhooks,
            metrics: metrics,
            services: services
        )
    }
}
