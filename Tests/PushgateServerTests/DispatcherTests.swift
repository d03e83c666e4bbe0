import Foundation
import Logging
import PushgateCore
import PushgateStore
import PushgateTestSupport
import ServiceLifecycle
import Testing

@testable import PushgateServer

/// The dispatcher against a real SQLite queue and `FakeAdapter`s (no sockets): batching by
/// notification and lane, per-token results inside a batch, lane rate limits, and one lane's
/// quota pause while the others run.
@Suite("Dispatcher with fake adapters", .timeLimit(.minutes(1)))
struct DispatcherTests {
    static let vendor = Vendor(rawValue: "testvendor")

    @Test("a notification's deliveries go in batches of the adapter's size, split by lane, one notification each")
    func batchesByNotificationAndLane() async throws {
        let adapter = FakeAdapter(vendor: Self.vendor, maxBatchSize: 3)
        try await DispatcherWorld.run(adapters: ["app-a": adapter]) { world in
            let first = try await world.accept(app: "app-a", tokens: (0..<7).map { "tok-\($0)" })
            let second = try await world.accept(app: "app-a", tokens: ["p-0", "p-1"], sandbox: ["s-0", "s-1"])
            try await world.waitUntilFinal([first, second], app: "app-a")

            let batches = adapter.batches.map(\.deliveries)
            #expect(batches.reduce(0) { $0 + $1.count } == 11, "every delivery sent exactly once")
            for batch in batches {
                #expect(batch.count <= 3)
                #expect(Set(batch.map(\.notification)).count == 1, "one notification per batch")
                #expect(Set(batch.map(\.target.environment)).count == 1, "one lane per batch")
            }
            let firstTokens = batches.filter { $0.first?.target.token.hasPrefix("tok-") == true }
            #expect(firstTokens.map(\.count).sorted() == [1, 3, 3])
            // Production and sandbox targets of the second notification are different lanes.
            let secondBatches = batches.filter { $0.first?.target.token.hasPrefix("tok-") == false }
            #expect(secondBatches.count == 2)
            #expect(Set(secondBatches.map { $0.map(\.target.token).sorted() }) == [["p-0", "p-1"], ["s-0", "s-1"]])
            for state in try await world.states(first, app: "app-a") + world.states(second, app: "app-a") {
                #expect(state == .delivered)
            }
        }
    }

    @Test("a vendor answer naming some tokens dead becomes per-delivery outcomes")
    func perTokenPartialResults() async throws {
        let adapter = FakeAdapter(vendor: Self.vendor, maxBatchSize: 10)
        try await DispatcherWorld.run(adapters: ["app-a": adapter]) { world in
            let tokens = ["ok-1", "dead-1", "ok-2", "dead-2", "ok-3"]
            let id = try await world.accept(app: "app-a", tokens: tokens)
            try await world.waitUntilFinal([id], app: "app-a")

            #expect(adapter.batches.count == 1, "one vendor request for the five tokens")
            let stored = try #require(try await world.store.notification(id: id, appID: "app-a"))
            let states = Dictionary(uniqueKeysWithValues: stored.deliveries.map { ($0.target.token, $0.state) })
            #expect(
                states == [
                    "ok-1": .delivered, "dead-1": .invalidToken, "ok-2": .delivered, "dead-2": .invalidToken,
                    "ok-3": .delivered,
                ])
            let dead = try await world.store.invalidTokens(appID: "app-a", after: 0, limit: 10)
            #expect(Set(dead.map(\.report.token)) == ["dead-1", "dead-2"])
            #expect(dead.allSatisfy { $0.report.vendor == Self.vendor && $0.report.reason == "FakeUnregistered" })
        }
    }

    @Test("a lane's rate limit spaces its sends; the other lane has its own")
    func laneRateLimit() async throws {
        let slow = FakeAdapter(vendor: Self.vendor, maxBatchSize: 1)
        let fast = FakeAdapter(vendor: Self.vendor, maxBatchSize: 1)
        let policies = [
            Dispatcher.PolicyKey(appID: "slow", vendor: Self.vendor): Dispatcher.LanePolicy(
                retry: RetryPolicy(), perSecond: 10, concurrency: 100, webhooks: false),
            Dispatcher.PolicyKey(appID: "fast", vendor: Self.vendor): Dispatcher.LanePolicy(
                retry: RetryPolicy(), perSecond: 10_000, concurrency: 100, webhooks: false),
        ]
        try await DispatcherWorld.run(adapters: ["slow": slow, "fast": fast], policies: policies) { world in
            var slowIDs: [UUID] = []
            var fastIDs: [UUID] = []
            for index in 0..<25 {
                slowIDs.append(try await world.accept(app: "slow", tokens: ["slow-\(index)"]))
                fastIDs.append(try await world.accept(app: "fast", tokens: ["fast-\(index)"]))
            }
            try await world.waitUntilFinal(fastIDs, app: "fast")
            try await world.waitUntilFinal(slowIDs, app: "slow", timeout: .seconds(20))

            // 10/s with a second's burst: 25 sends need at least 1.5 s after the first.
            let times = slow.batches.map(\.at)
            let span = try #require(times.max()) - #require(times.min())
            #expect(span >= .milliseconds(1400), "25 sends at 10/s took \(span)")
            #expect(slow.sentCount == 25)
            #expect(fast.sentCount == 25)
        }
    }

    @Test("a quota answer pauses its lane until the reset, its queue untouched; other lanes keep sending")
    func quotaPausesOneLane() async throws {
        let paused = FakeAdapter(vendor: Self.vendor, maxBatchSize: 1)
        let other = FakeAdapter(vendor: Self.vendor, maxBatchSize: 1)
        try await DispatcherWorld.run(adapters: ["paused": paused, "other": other]) { world in
            let quota = try await world.accept(app: "paused", tokens: ["quota-1"], ttl: 7200)
            try await world.waitUntil("the quota answer is recorded") {
                try await world.store.notification(id: quota, appID: "paused")?.deliveries.first?.attempts == 1
            }
            let held = try await world.accept(app: "paused", tokens: ["later-1", "later-2"])
            let running = try await world.accept(app: "other", tokens: ["o-1", "o-2", "o-3"])
            try await world.waitUntilFinal([running], app: "other")
            // The other lane's work, accepted after the held notification, is done: the dispatcher
            // leased since then and left the paused lane's deliveries in the queue untouched.
            let untouched = try #require(try await world.store.notification(id: held, appID: "paused"))
            #expect(
                untouched.deliveries.allSatisfy { $0.state == .queued && $0.attempts == 0 },
                "\(untouched.deliveries.map { ($0.state, $0.attempts) })")
            let quotaDelivery = try #require(
                try await world.store.notification(id: quota, appID: "paused")?.deliveries.first)
            let retryAt = try #require(quotaDelivery.nextAttemptAt)
            #expect(retryAt > Date().addingTimeInterval(1800), "retried after the quota resets")
            #expect(paused.sentCount == 1, "nothing more went to the paused lane")
            #expect(other.sentCount == 3)
            let held2 = try #require(try await world.store.notification(id: held, appID: "paused"))
            #expect(held2.deliveries.allSatisfy { $0.attempts == 0 }, "a pause spends no attempt")
            #expect(
                world.metrics.text.contains(
                    #"pushgate_lane_paused_total{app="paused",vendor="testvendor",reason="quota"} 1"#))
        }
    }
}

/// A dispatcher running on a fresh SQLite file with the given fake adapters.
struct DispatcherWorld {
    let store: any DeliveryStore
    let metrics: GatewayMetrics

    static func run(
        adapters: [String: FakeAdapter],
        policies: [Dispatcher.PolicyKey: Dispatcher.LanePolicy] = [:],
        configure: (inout Dispatcher.Configuration) -> Void = { _ in },
        wrapStore: (SQLiteDeliveryStore) -> any DeliveryStore = { $0 },
        beforeStart: (DispatcherWorld) async throws -> Void = { _ in },
        _ body: (DispatcherWorld) async throws -> Void
    ) async throws {
        try await TemporaryDirectory.with { directory in
            var logger = Logger(label: "test.dispatcher")
            logger.logLevel = .critical
            let sqlite = try await SQLiteDeliveryStore.open(path: directory.path("queue.sqlite"), logger: logger)
            let store = wrapStore(sqlite)
            let router = ProviderRouter(adapters: adapters.mapValues { [$0.vendor: $0] })
            let metrics = GatewayMetrics()
            var configuration = Dispatcher.Configuration()
            configuration.idlePoll = .milliseconds(100)
            configure(&configuration)
            try await beforeStart(DispatcherWorld(store: store, metrics: metrics))
            let dispatcher = Dispatcher(
                store: store, router: router, policies: policies, configuration: configuration, metrics: metrics,
                logger: logger)
            let group = ServiceGroup(services: [dispatcher], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    try await body(DispatcherWorld(store: store, metrics: metrics))
                } catch {
                    await group.triggerGracefulShutdown()
                    try? await tasks.waitForAll()
                    try? await store.close()
                    throw error
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            try await store.close()
        }
    }

    /// Stores one notification for `app` with a delivery per token (production, then sandbox).
    func accept(
        app: String, tokens: [String], sandbox: [String] = [], ttl: TimeInterval = 3600, at now: Date = Date()
    ) async throws -> UUID {
        let id = UUID()
        let targets =
            tokens.map { DeviceTarget(vendor: DispatcherTests.vendor, token: $0) }
            + sandbox.map { DeviceTarget(vendor: DispatcherTests.vendor, token: $0, environment: .sandbox) }
        let submission = Submission(
            notificationID: id,
            appID: app,
            notification: Notification(title: "Hello", body: "World"),
            targets: targets.map { Submission.Target(deliveryID: UUID(), device: $0) },
            acceptedAt: now,
            expiresAt: now.addingTimeInterval(ttl),
            idempotency: nil,
            responseBody: []
        )
        guard case .accepted = try await self.store.accept(submission) else {
            throw TestFailure(description: "not accepted")
        }
        return id
    }

    func states(_ id: UUID, app: String) async throws -> [DeliveryState] {
        try await self.store.notification(id: id, appID: app)?.deliveries.map(\.state) ?? []
    }

    func waitUntilFinal(_ ids: [UUID], app: String, timeout: Duration = .seconds(10)) async throws {
        try await self.waitUntil("deliveries final", timeout: timeout) {
            for id in ids where try await self.states(id, app: app).contains(where: { !$0.isFinal }) { return false }
            return true
        }
    }

    /// Polls `condition` every 20 ms; fails after `timeout` (never a timed assertion on speed).
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure(description: "timed out waiting: \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension GatewayMetrics {
    /// The Prometheus exposition as text.
    var text: String { String(decoding: self.exposition(), as: UTF8.self) }
}
