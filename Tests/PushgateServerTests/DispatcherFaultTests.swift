import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PushgateCore
import PushgateStore
import PushgateTestSupport
import Testing

@testable import PushgateServer

/// The dispatcher under the faults that happen every week in production, with fake adapters
/// on a real SQLite queue: a vendor outage, a TTL that runs out at a rate gate, a store that
/// cannot record outcomes for a while, and a delivery whose leases keep expiring.
@Suite("Dispatcher under faults", .timeLimit(.minutes(1)))
struct DispatcherFaultTests {
    static let vendor = DispatcherTests.vendor

    static func policy(
        perSecond: Double = 10_000, concurrency: Int = 100, maxAttempts: Int = 2,
        health: LaneStateMachine.Settings = .init()
    ) -> Dispatcher.LanePolicy {
        var policy = Dispatcher.LanePolicy(
            retry: RetryPolicy(
                maxAttempts: maxAttempts, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200)),
            perSecond: perSecond, concurrency: concurrency, webhooks: false)
        policy.health = health
        return policy
    }

    @Test("an outage pauses the lane and probes it: nothing fails, everything is delivered once after it")
    func outagePausesTheLane() async throws {
        let down = FakeAdapter(vendor: Self.vendor, maxBatchSize: 10)
        let other = FakeAdapter(vendor: Self.vendor, maxBatchSize: 10)
        down.setUnreachable(true)
        let health = LaneStateMachine.Settings(
            failureThreshold: 3, probeInitial: .milliseconds(100), probeMaximum: .milliseconds(400))
        let policies = [
            Dispatcher.PolicyKey(appID: "down", vendor: Self.vendor): Self.policy(concurrency: 1, health: health),
            Dispatcher.PolicyKey(appID: "other", vendor: Self.vendor): Self.policy(),
        ]
        try await DispatcherWorld.run(adapters: ["down": down, "other": other], policies: policies) { world in
            var ids: [UUID] = []
            for batch in 0..<20 {
                ids.append(try await world.accept(app: "down", tokens: (0..<10).map { "t-\(batch)-\($0)" }))
            }
            try await world.waitUntil("the lane pauses") {
                world.metrics.text.contains(
                    #"pushgate_lane_paused_total{app="down",vendor="testvendor",reason="outage"} 1"#)
            }
            #expect(world.metrics.laneState(app: "down") == "paused_outage")
            // Other lanes keep running during the outage.
            let running = try await world.accept(app: "other", tokens: ["o-1", "o-2"])
            try await world.waitUntilFinal([running], app: "other")
            // Two seconds of outage, with a two-attempt budget and 50 ms backoff: without the
            // pause every delivery would have ended failed long before.
            try await Task.sleep(for: .seconds(2))
            let duringOutage = down.batches.filter(\.duringOutage).count
            down.setUnreachable(false)
            try await world.waitUntilFinal(ids, app: "down", timeout: .seconds(20))

            for id in ids {
                let stored = try #require(try await world.store.notification(id: id, appID: "down"))
                for delivery in stored.deliveries {
                    #expect(delivery.state == .delivered)
                    #expect(delivery.attempts == 1, "attempts that never reached the vendor are not counted")
                }
            }
            let delivered = down.batches.filter { !$0.duringOutage }.flatMap(\.deliveries).map(\.id)
            #expect(delivered.count == 200 && Set(delivered).count == 200, "each delivered exactly once")
            // The threshold's 3 failures, then one probe at a time, 100 ms doubling to 400 ms,
            // over 2 s: at most about a dozen requests, not one per delivery and attempt.
            #expect(duringOutage <= 3 + 15, "\(duringOutage) requests during the outage")
            #expect(
                world.metrics.text.contains(
                    #"pushgate_lane_pause_seconds_count{app="down",vendor="testvendor",reason="outage"} 1"#))
            #expect(world.metrics.laneState(app: "down") == "running")
        }
    }

    @Test("a lease not longer than a vendor's longest send is refused at start")
    func leaseShorterThanASendIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let fake = FakeVendor()
            // The fake adapter's longest send is 1 s; a 1 s lease could expire while it runs.
            let configuration = try ConfigurationLoader.load(
                yaml: """
                    listen: 127.0.0.1:0
                    store: sqlite:\(directory.path("pushgate.db"))
                    dispatcher: {lease: 1s}
                    apps:
                      - id: app
                        api_keys: [sha256:\(String(repeating: "ab", count: 32))]
                        testvendor: {label: lease}
                    """,
                registry: VendorRegistry([fake]))
            var logger = Logger(label: "test.dispatcher")
            logger.logLevel = .critical
            let error = await #expect(throws: PushgateError.self) {
                _ = try await GatewayServices.make(
                    configuration: configuration, registry: VendorRegistry([fake]),
                    eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
            }
            #expect(error?.message.contains("dispatcher.lease: 1s must be longer than the longest send") == true)
            #expect(fake.adapter(app: "app")?.shutdowns == 1, "the adapters built before the check are shut down")
        }
    }

    @Test("a TTL that passes while the delivery waits for its rate ends expired, never failed")
    func ttlWhileWaiting() async throws {
        let slow = FakeAdapter(vendor: Self.vendor, maxBatchSize: 1)
        let policies = [Dispatcher.PolicyKey(appID: "slow", vendor: Self.vendor): Self.policy(perSecond: 1)]
        try await DispatcherWorld.run(adapters: ["slow": slow], policies: policies) { world in
            let id = try await world.accept(app: "slow", tokens: ["a", "b", "c", "d"], ttl: 1.5)
            try await world.waitUntilFinal([id], app: "slow")
            let states = try await world.states(id, app: "slow")
            #expect(!states.contains(.failed))
            #expect(states.filter { $0 == .expired }.count >= 2, "1/s: the third and fourth wait past 1.5 s: \(states)")
            #expect(slow.sentCount == states.filter { $0 == .delivered }.count, "expired ones were never sent")
        }
    }

    @Test("a store that cannot record for a while: outcomes are kept and written later, nothing is sent twice")
    func recordingFailuresDoNotResend() async throws {
        let adapter = FakeAdapter(vendor: Self.vendor, maxBatchSize: 5)
        let failing = FailingRecordStore.Switch()
        try await DispatcherWorld.run(
            adapters: ["app": adapter],
            // A lease much shorter than the store's trouble: it expires and comes back meanwhile.
            configure: { $0.leaseDuration = .milliseconds(500) },
            wrapStore: { FailingRecordStore(base: $0, failing: failing) }
        ) { world in
            failing.set(true)
            let id = try await world.accept(app: "app", tokens: (0..<20).map { "r-\($0)" })
            try await world.waitUntil("every delivery sent") { adapter.sentCount >= 20 }
            try await Task.sleep(for: .seconds(2))
            #expect(failing.failures > 0, "the store really refused outcomes")
            failing.set(false)
            try await world.waitUntilFinal([id], app: "app")
            #expect(try await world.states(id, app: "app").allSatisfy { $0 == .delivered })
            let sent = adapter.batches.flatMap(\.deliveries).map(\.id)
            #expect(sent.count == 20 && Set(sent).count == 20, "each push went out exactly once")
        }
    }

    @Test("a delivery whose leases keep expiring counts them as ambiguous attempts and ends")
    func poisonDeliveryEnds() async throws {
        let adapter = FakeAdapter(vendor: Self.vendor, maxBatchSize: 1)
        let policies = [Dispatcher.PolicyKey(appID: "app", vendor: Self.vendor): Self.policy(maxAttempts: 3)]
        let poison = NIOLockedValueBox<UUID?>(nil)
        try await DispatcherWorld.run(
            adapters: ["app": adapter], policies: policies,
            beforeStart: { world in
                // Accepted long ago; three gateways leased it and died mid-send, two seconds apart.
                let past = Date().addingTimeInterval(-100)
                poison.withLockedValue { $0 = nil }
                let id = try await world.accept(app: "app", tokens: ["poison"], at: past)
                poison.withLockedValue { $0 = id }
                for crash in 0..<3 {
                    let leased = try await world.store.leaseDue(
                        limit: 1, owner: "crashed-\(crash)", now: past.addingTimeInterval(Double(crash) * 2),
                        leaseDuration: .seconds(1))
                    #expect(leased.map(\.attempts) == [crash], "each expired lease counted one attempt")
                }
            }
        ) { world in
            // The running dispatcher finds the last lease expired too: that is the third attempt.
            let id = try #require(poison.withLockedValue { $0 })
            try await world.waitUntilFinal([id], app: "app")
            let stored = try #require(try await world.store.notification(id: id, appID: "app")?.deliveries.first)
            #expect(stored.state == .ambiguous)
            #expect(stored.attempts == 3)
            #expect(stored.ambiguousAttempts == 3)
            #expect(stored.lastOutcome?.stage == "leaseExpired")
            #expect(adapter.sentCount == 0, "it was not sent a fourth time")
        }
    }
}

extension GatewayMetrics {
    /// The state whose `pushgate_lane_state` gauge is 1 for the app's production lane.
    func laneState(app: String) -> String? {
        let prefix = #"pushgate_lane_state{app="\#(app)",vendor="testvendor",environment="production",state=""#
        for line in self.text.split(separator: "\n") where line.hasPrefix(prefix) {
            guard let space = line.lastIndex(of: " "), Double(line[line.index(after: space)...]) == 1 else { continue }
            return String(line.dropFirst(prefix.count).prefix { $0 != "\"" })
        }
        return nil
    }
}

/// The SQLite store, with `record` failing while a switch is on (a full disk, a locked file).
struct FailingRecordStore: DeliveryStore {
    final class Switch: Sendable {
        private let state = NIOLockedValueBox((on: false, failures: 0))
        func set(_ on: Bool) { self.state.withLockedValue { $0.on = on } }
        var failures: Int { self.state.withLockedValue { $0.failures } }
        func shouldFail() -> Bool {
            self.state.withLockedValue { state in
                if state.on { state.failures += 1 }
                return state.on
            }
        }
    }

    struct Refused: Error {}

    let base: SQLiteDeliveryStore
    let failing: Switch

    func record(_ updates: [DeliveryUpdate], owner: String) async throws -> Int {
        if self.failing.shouldFail() { throw Refused() }
        return try await self.base.record(updates, owner: owner)
    }

    func accept(_ submission: Submission) async throws -> AcceptResult { try await self.base.accept(submission) }
    func idempotencyRecord(appID: String, key: String, validSince: Date) async throws -> IdempotencyRecord? {
        try await self.base.idempotencyRecord(appID: appID, key: key, validSince: validSince)
    }
    func notification(id: UUID, appID: String) async throws -> StoredNotification? {
        try await self.base.notification(id: id, appID: appID)
    }
    func cancel(notificationID: UUID, appID: String, now: Date) async throws -> StoredNotification? {
        try await self.base.cancel(notificationID: notificationID, appID: appID, now: now)
    }
    func leaseDue(
        limit: Int, owner: String, now: Date, leaseDuration: Duration, excluding: Set<Lane>
    ) async throws -> [LeasedDelivery] {
        try await self.base.leaseDue(
            limit: limit, owner: owner, now: now, leaseDuration: leaseDuration, excluding: excluding)
    }
    func release(deliveryIDs: [UUID], owner: String) async throws {
        try await self.base.release(deliveryIDs: deliveryIDs, owner: owner)
    }
    func invalidTokens(appID: String, after: Int64, limit: Int) async throws -> [InvalidTokenRecord] {
        try await self.base.invalidTokens(appID: appID, after: after, limit: limit)
    }
    func queueDepth() async throws -> Int { try await self.base.queueDepth() }
    func nextDueDate(excluding: Set<Lane>) async throws -> Date? {
        try await self.base.nextDueDate(excluding: excluding)
    }
    func leaseWebhookEvents(limit: Int, now: Date, leaseDuration: Duration) async throws -> [WebhookEvent] {
        try await self.base.leaseWebhookEvents(limit: limit, now: now, leaseDuration: leaseDuration)
    }
    func completeWebhookEvents(sent: [Int64], retry: [(id: Int64, nextAttemptAt: Date)], failed: [Int64]) async throws {
        try await self.base.completeWebhookEvents(sent: sent, retry: retry, failed: failed)
    }
    func purgeIdempotencyKeys(createdBefore date: Date) async throws -> Int {
        try await self.base.purgeIdempotencyKeys(createdBefore: date)
    }
    func purgeFinishedNotifications(finishedBefore date: Date, limit: Int) async throws -> Int {
        try await self.base.purgeFinishedNotifications(finishedBefore: date, limit: limit)
    }
    func purgeInvalidTokens(reportedBefore date: Date, limit: Int) async throws -> Int {
        try await self.base.purgeInvalidTokens(reportedBefore: date, limit: limit)
    }
    func reclaimSpace() async throws -> Bool { try await self.base.reclaimSpace() }
    func ping() async throws { try await self.base.ping() }
    var workSignals: AsyncStream<Void> { self.base.workSignals }
    func close() async throws { try await self.base.close() }
    func run() async throws { try await self.base.run() }
}
