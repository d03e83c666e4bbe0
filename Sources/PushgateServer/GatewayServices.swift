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
public struct GatewayServices: Sendable {
    public let store: SQLiteDeliveryStore
    public let router: ProviderRouter
    public let dispatcher: Dispatcher
    /// Nil when no app has a webhook (nothing to send, so no outbox polling).
    public let webhooks: WebhookSender?
    public let metrics: GatewayMetrics
    public let services: [any Service]

    /// - Parameters:
    ///   - onListening: called with the bound port once the API listens.
    ///   - webhookConfiguration: the webhook sender's timing (tests shorten its backoff).
    public static func make(
        configuration: GatewayConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        webhookConfiguration: WebhookSender.Configuration = .init(),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> GatewayServices {
        guard let listen = HostAndPort(configuration.listen) else {
            throw PushgateError.invalidConfiguration("listen: expected host:port")
        }
        // Secrets are resolved once, here, before anything is opened: a missing one fails the start.
        let webhookEndpoints = try WebhookSender.endpoints(apps: configuration.apps)
        let router = try AdapterFactory.makeRouter(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        let storePath = String(configuration.store.dropFirst("sqlite:".count))
        let store = try await SQLiteDeliveryStore.open(path: storePath, logger: logger)
        let metrics = GatewayMetrics()
        var policies: [String: Dispatcher.AppPolicy] = [:]
        for app in configuration.apps {
            policies[app.id] = Dispatcher.AppPolicy(
                retry: RetryPolicy(
                    maxAttempts: app.retry.maxAttempts,
                    initialBackoff: app.retry.initialBackoff.duration,
                    maxBackoff: app.retry.maxBackoff.duration
                ),
                perSecond: app.rateLimit.perSecond,
                concurrency: app.rateLimit.concurrency,
                webhooks: app.webhook != nil
            )
        }
        var dispatcherConfiguration = Dispatcher.Configuration()
        dispatcherConfiguration.batchSize = configuration.dispatcher.batchSize
        dispatcherConfiguration.leaseDuration = configuration.dispatcher.lease.seconds
        dispatcherConfiguration.maxInFlight = configuration.dispatcher.maxInFlight
        dispatcherConfiguration.shutdownGrace = configuration.dispatcher.shutdownGrace.duration
        var dispatcherLogger = logger
        dispatcherLogger[metadataKey: "component"] = "dispatcher"
        let dispatcher = Dispatcher(
            store: store,
            router: router,
            policies: policies,
            configuration: dispatcherConfiguration,
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
            clock: { Date() },
            logger: logger
        )
        let application = Application(
            router: GatewayAPI.makeRouter(context: context),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "pushgate"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? listen.port) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger
        )
        let maintenance = IdempotencyMaintenance(store: store, window: configuration.idempotencyWindow.duration, logger: logger)
        var services: [any Service] = [store, RouterService(router: router), maintenance, dispatcher]
        var webhooks: WebhookSender?
        if !webhookEndpoints.isEmpty {
            var webhookLogger = logger
            webhookLogger[metadataKey: "component"] = "webhooks"
            let sender = WebhookSender(
                store: store,
                endpoints: webhookEndpoints,
                configuration: webhookConfiguration,
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

/// Closes the adapters' connections when the gateway shuts down.
struct RouterService: Service {
    let router: ProviderRouter

    func run() async throws {
        try? await gracefulShutdown()
        await self.router.shutdown()
    }
}

/// Forgets idempotency keys older than the window, hourly.
struct IdempotencyMaintenance: Service {
    let store: any DeliveryStore
    let window: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let purged = try await self.store.purgeIdempotencyKeys(
                    createdBefore: Date().addingTimeInterval(-self.window.timeInterval))
                if purged > 0 { self.logger.info("purged idempotency keys", metadata: ["push.count": "\(purged)"]) }
            } catch {
                self.logger.warning("could not purge idempotency keys", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
