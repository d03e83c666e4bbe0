import Foundation
import Logging
import PushgateCore
import PushgateStore
import PushgateTestSupport
import ServiceLifecycle
import Testing

@testable import PushgateServer

/// Three gateways' dispatchers, each with its own store instance (its own pool and LISTEN
/// connection) and its own vendor connection, on one PostgreSQL queue: what several
/// `pushgate serve` processes on one database do.
@Suite("Dispatchers on one PostgreSQL queue", .timeLimit(.minutes(3)))
struct PostgresDispatchTests {
    private static let app = "pg-app"

    @Test func threeDispatchersDeliverEveryDeliveryExactlyOnce() async throws {
        try await PostgresTestCluster.withDatabase { url in
            var logger = Logger(label: "test.postgres-dispatch")
            logger.logLevel = .critical
            var storeConfiguration = PostgresDeliveryStore.Configuration()
            storeConfiguration.callTimeout = .seconds(30)
            storeConfiguration.queueTimeout = .seconds(30)
            var stores: [PostgresDeliveryStore] = []
            for _ in 0..<3 {
                stores.append(
                    try await PostgresDeliveryStore.open(url: url, configuration: storeConfiguration, logger: logger))
            }
            // A little latency per send, so that the three really overlap.
            let adapters = (0..<3).map { _ in
                FakeAdapter(vendor: DispatcherTests.vendor, maxBatchSize: 50, delay: .milliseconds(5))
            }
            var configuration = Dispatcher.Configuration()
            configuration.batchSize = 100
            let dispatchers = (0..<3).map { index in
                Dispatcher(
                    store: stores[index],
                    router: ProviderRouter(adapters: [Self.app: [DispatcherTests.vendor: adapters[index]]]),
                    policies: [:], configuration: configuration, metrics: GatewayMetrics(), logger: logger)
            }

            var expected: Set<UUID> = []
            var notifications: [UUID] = []
            func accept(_ batch: Int) async throws {
                let submission = Self.submission(batch: batch)
                expected.formUnion(submission.targets.map(\.deliveryID))
                notifications.append(submission.notificationID)
                // Any instance accepts, as behind a load balancer.
                guard case .accepted = try await stores[batch % 3].accept(submission) else {
                    throw TestFailure(description: "not accepted")
                }
            }
            // Half is waiting when the dispatchers start; the rest arrives while they run and
            // reaches the other instances through NOTIFY.
            for batch in 0..<15 { try await accept(batch) }
            let group = ServiceGroup(services: dispatchers, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    for batch in 15..<30 { try await accept(batch) }
                    let deadline = ContinuousClock.now + .seconds(60)
                    while try await stores[0].queueDepth() > 0 {
                        guard ContinuousClock.now < deadline else {
                            throw TestFailure(description: "timed out waiting for the queue to drain")
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                } catch {
                    await group.triggerGracefulShutdown()
                    try? await tasks.waitForAll()
                    for store in stores { try? await store.close() }
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }

            let sent = adapters.flatMap { adapter in adapter.batches.flatMap { $0.deliveries.map(\.id) } }
            #expect(sent.count == 3_000, "each delivery sent once: \(sent.count) sends")
            #expect(Set(sent) == expected)
            #expect(adapters.filter { !$0.batches.isEmpty }.count >= 2, "the instances shared the queue")
            for id in notifications {
                let stored = try await stores[Int.random(in: 0..<3)].notification(id: id, appID: Self.app)
                #expect(stored?.deliveries.allSatisfy { $0.state == .delivered && $0.attempts == 1 } == true)
            }
            for store in stores { try await store.close() }
        }
    }

    /// A gateway killed mid-send (as by `kill -9`) leaves its leases in the rows: the other
    /// instances take them over when they expire, send them again with the same identity, and
    /// count the lost attempt as ambiguous. Nothing is lost; nothing else is sent twice.
    @Test func leasesOfAKilledInstanceAreTakenOverByTheOthers() async throws {
        try await PostgresTestCluster.withDatabase { url in
            var logger = Logger(label: "test.postgres-dispatch")
            logger.logLevel = .critical
            var storeConfiguration = PostgresDeliveryStore.Configuration()
            storeConfiguration.callTimeout = .seconds(30)
            var expected: Set<UUID> = []
            var notifications: [UUID] = []
            let killed = try await PostgresDeliveryStore.open(
                url: url, configuration: storeConfiguration, logger: logger)
            for batch in 0..<10 {
                let submission = Self.submission(batch: batch)
                expected.formUnion(submission.targets.map(\.deliveryID))
                notifications.append(submission.notificationID)
                guard case .accepted = try await killed.accept(submission) else {
                    throw TestFailure(description: "not accepted")
                }
            }
            // The killed gateway had leased 300 and was sending them when it died: its store
            // goes away without releasing anything.
            let orphaned = try await killed.leaseDue(
                limit: 300, owner: "killed-gateway", now: Date(), leaseDuration: .seconds(2))
            #expect(orphaned.count == 300)
            try await killed.close()

            var stores: [PostgresDeliveryStore] = []
            for _ in 0..<2 {
                stores.append(
                    try await PostgresDeliveryStore.open(url: url, configuration: storeConfiguration, logger: logger))
            }
            let adapters = (0..<2).map { _ in
                FakeAdapter(vendor: DispatcherTests.vendor, maxBatchSize: 50, delay: .milliseconds(5))
            }
            var configuration = Dispatcher.Configuration()
            configuration.batchSize = 100
            let dispatchers = (0..<2).map { index in
                Dispatcher(
                    store: stores[index],
                    router: ProviderRouter(adapters: [Self.app: [DispatcherTests.vendor: adapters[index]]]),
                    policies: [:], configuration: configuration, metrics: GatewayMetrics(), logger: logger)
            }
            let group = ServiceGroup(services: dispatchers, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    let deadline = ContinuousClock.now + .seconds(60)
                    while try await stores[0].queueDepth() > 0 {
                        guard ContinuousClock.now < deadline else {
                            throw TestFailure(description: "timed out waiting for the queue to drain")
                        }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                } catch {
                    await group.triggerGracefulShutdown()
                    try? await tasks.waitForAll()
                    for store in stores { try? await store.close() }
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }

            let sent = adapters.flatMap { adapter in adapter.batches.flatMap { $0.deliveries.map(\.id) } }
            #expect(sent.count == 1_000, "each delivery sent once by the survivors: \(sent.count) sends")
            #expect(Set(sent) == expected, "the orphaned ones went out again under their own ids")
            let orphanedIDs = Set(orphaned.map(\.id))
            for id in notifications {
                let stored = try #require(try await stores[0].notification(id: id, appID: Self.app))
                for delivery in stored.deliveries {
                    #expect(delivery.state == .delivered)
                    if orphanedIDs.contains(delivery.id) {
                        #expect(delivery.attempts == 2 && delivery.ambiguousAttempts == 1, "the lost attempt counts")
                    } else {
                        #expect(delivery.attempts == 1 && delivery.ambiguousAttempts == 0)
                    }
                }
            }
            for store in stores { try await store.close() }
        }
    }

    private static func submission(batch: Int) -> Submission {
        let id = UUID()
        let now = Date()
        return Submission(
            notificationID: id,
            appID: Self.app,
            notification: Notification(title: "Hello", body: "batch \(batch)"),
            targets: (0..<100).map { index in
                Submission.Target(
                    deliveryID: UUID(),
                    device: DeviceTarget(vendor: DispatcherTests.vendor, token: "token-\(batch)-\(index)"))
            },
            acceptedAt: now,
            expiresAt: now.addingTimeInterval(3600),
            idempotency: nil,
            responseBody: []
        )
    }
}
