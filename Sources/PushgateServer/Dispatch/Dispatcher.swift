import Foundation
import Logging
import NIOConcurrencyHelpers
import PushgateCore
import PushgateStore
import ServiceLifecycle

/// Leases due deliveries from the store, sends them through the provider router within each
/// app+vendor's limits, and records the outcomes (ARCHITECTURE rules 1–6). Wakes on new work
/// instead of polling; on graceful shutdown it stops leasing, lets in-flight sends finish
/// within the grace period, and gives back what it had not started.
public final class Dispatcher: Service, Sendable {
    public struct Configuration: Sendable {
        public var batchSize: Int = 200
        public var leaseDuration: TimeInterval = 60
        public var maxInFlight: Int = 2_000
        public var shutdownGrace: Duration = .seconds(10)
        /// Polling fallback when no wake-up comes (work signals are hints).
        public var idlePoll: Duration = .seconds(1)
        public init() {}
    }

    /// Per-app settings the dispatcher needs.
    public struct AppPolicy: Sendable {
        public var retry: RetryPolicy
        public var perSecond: Double
        public var concurrency: Int
        public var webhooks: Bool

        public init(retry: RetryPolicy, perSecond: Double, concurrency: Int, webhooks: Bool) {
            self.retry = retry
            self.perSecond = perSecond
            self.concurrency = concurrency
            self.webhooks = webhooks
        }
    }

    private struct GateKey: Hashable {
        var app: String
        var vendor: Vendor
    }

    private let store: any DeliveryStore
    private let router: ProviderRouter
    private let policies: [String: AppPolicy]
    private let configuration: Configuration
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let owner: String
    private let gates: NIOLockedValueBox<[GateKey: RateGate]>
    private let inFlight = NIOLockedValueBox(0)
    private let capacity = Wakeup()
    private let work = Wakeup()
    private let recorder: OutcomeRecorder
    /// Leased but not yet handed to an adapter: given back on shutdown.
    private let waiting = NIOLockedValueBox<[UUID: LeasedDelivery]>([:])
    /// Every delivery this dispatcher is working on. A lease that expires while its delivery
    /// still waits here (a slow rate gate) can come back from `leaseDue` to the same owner:
    /// the second copy is dropped instead of sent twice.
    private let active = NIOLockedValueBox<Set<UUID>>([])

    public init(
        store: any DeliveryStore,
        router: ProviderRouter,
        policies: [String: AppPolicy],
        configuration: Configuration,
        metrics: GatewayMetrics,
        logger: Logger
    ) {
        self.store = store
        self.router = router
        self.policies = policies
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.owner = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().lowercasedString.prefix(8))"
        self.gates = NIOLockedValueBox([:])
        self.recorder = OutcomeRecorder(store: store, owner: self.owner, maxBatch: configuration.batchSize, logger: logger)
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.recorder.run() }
            group.addTask { await self.forwardWorkSignals() }
            group.addTask { await self.watchQueueDepth() }
            await withGracefulShutdownHandler {
                await self.leaseLoop()
            } onGracefulShutdown: {
                self.work.signal()
                self.capacity.signal()
            }
            await self.drain()
            group.cancelAll()
        }
        self.logger.info("dispatcher stopped")
    }

    private func forwardWorkSignals() async {
        for await _ in self.store.workSignals {
            self.work.signal()
            if Task.isCancelled { return }
        }
    }

    private func watchQueueDepth() async {
        while !Task.isCancelled {
            if let depth = try? await self.store.queueDepth() { self.metrics.queueDepth.set(Double(depth)) }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private struct GraceExpired: Error {}

    private func leaseLoop() async {
        try? await withThrowingDiscardingTaskGroup { sends in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let free = self.configuration.maxInFlight - self.inFlight.withLockedValue { $0 }
                guard free >= min(self.configuration.batchSize, self.configuration.maxInFlight) / 4 else {
                    await self.capacity.wait(timeout: .milliseconds(100))
                    continue
                }
                let leased: [LeasedDelivery]
                do {
                    leased = try await self.store.leaseDue(
                        limit: min(self.configuration.batchSize, free),
                        owner: self.owner,
                        now: Date(),
                        leaseDuration: self.configuration.leaseDuration
                    )
                } catch {
                    self.logger.error("could not lease deliveries", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
                if leased.isEmpty {
                    await self.work.wait(timeout: await self.idleWait())
                    continue
                }
                let fresh = self.active.withLockedValue { active in leased.filter { active.insert($0.id).inserted } }
                self.inFlight.withLockedValue { $0 += fresh.count }
                for delivery in fresh {
                    self.waiting.withLockedValue { $0[delivery.id] = delivery }
                    sends.addTask { await self.process(delivery) }
                }
            }
            // Stop leasing; sends already started may finish within the grace period, after
            // which the group is cancelled (a throwing child cancels its siblings) and what
            // has not started is given back in `drain`.
            let deadline = ContinuousClock.now + self.configuration.shutdownGrace
            sends.addTask {
                while self.inFlight.withLockedValue({ $0 }) > 0 {
                    if ContinuousClock.now >= deadline { throw GraceExpired() }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
    }

    /// Until the next queued delivery is due, at most the polling interval.
    private func idleWait() async -> Duration {
        guard let next = try? await self.store.nextDueDate() else { return self.configuration.idlePoll }
        let seconds = max(0.001, min(next.timeIntervalSinceNow, self.configuration.idlePoll.timeInterval))
        return .milliseconds(Int64(seconds * 1000))
    }

    private func gate(app: String, vendor: Vendor) -> RateGate {
        self.gates.withLockedValue { gates in
            if let gate = gates[GateKey(app: app, vendor: vendor)] { return gate }
            let policy = self.policies[app]
            let gate = RateGate(perSecond: policy?.perSecond ?? 1000, concurrency: policy?.concurrency ?? 100)
            gates[GateKey(app: app, vendor: vendor)] = gate
            return gate
        }
    }

    private func process(_ leased: LeasedDelivery) async {
        let leasedAt = ContinuousClock.now
        defer {
            self.active.withLockedValue { _ = $0.remove(leased.id) }
            self.inFlight.withLockedValue { $0 -= 1 }
            self.capacity.signal()
        }
        let policy = self.policies[leased.appID]
        let planner = DeliveryUpdatePlanner(
            retryPolicy: policy?.retry ?? RetryPolicy(),
            webhooks: policy?.webhooks ?? false
        )
        let now = Date()
        // A TTL of 0 means "now or never": its first attempt goes out even though it expires at acceptance.
        let nowOrNever = leased.notification.timeToLive == 0 && leased.attempts == 0
        if let expiresAt = leased.expiresAt, expiresAt <= now, !nowOrNever {
            self.waiting.withLockedValue { _ = $0.removeValue(forKey: leased.id) }
            self.recorder.add(planner.expired(leased, now: now))
            return
        }
        let gate = self.gate(app: leased.appID, vendor: leased.target.vendor)
        if let until = gate.pausedUntil(now: now) {
            self.waiting.withLockedValue { _ = $0.removeValue(forKey: leased.id) }
            self.recorder.add(planner.postponed(leased, until: until))
            return
        }
        guard let adapter = self.router.adapter(app: leased.appID, vendor: leased.target.vendor) else {
            self.waiting.withLockedValue { _ = $0.removeValue(forKey: leased.id) }
            let report = DeliveryReport(outcome: .permanent(reason: OutcomeReason("VendorNotConfigured")))
            self.recorder.add(planner.plan(delivery: leased, report: report, now: now))
            return
        }
        // Cancelled while waiting for the gate (shutdown after the grace): `drain` gives it back unsent.
        guard await gate.acquire() else { return }
        let started = self.waiting.withLockedValue { $0.removeValue(forKey: leased.id) != nil }
        guard started else {
            gate.release()
            return
        }
        // Waited at the gate for half the lease: send it with a fresh lease later rather than
        // risk the lease running out mid-send.
        if (ContinuousClock.now - leasedAt).timeInterval > self.configuration.leaseDuration / 2 {
            gate.release()
            self.recorder.add(planner.postponed(leased, until: Date()))
            return
        }
        let delivery = Delivery(
            id: leased.id,
            notification: leased.notification,
            target: leased.target,
            attempt: leased.attempts + 1,
            expiresAt: leased.expiresAt
        )
        var logger = self.logger
        logger[metadataKey: "push.delivery_id"] = "\(leased.id.lowercasedString)"
        logger[metadataKey: "push.app"] = "\(leased.appID)"
        logger[metadataKey: "push.vendor"] = "\(leased.target.vendor)"
        let clock = ContinuousClock()
        let sendStart = clock.now
        let report = await adapter.send(delivery, logger: logger)
        gate.release()
        self.metrics.sendLatency.record(clock.now - sendStart)
        self.metrics.attempt(vendor: leased.target.vendor, outcome: report.outcome)
        let finished = Date()
        if case .delivered = report.outcome {
            self.metrics.acceptLatency.record(Duration.milliseconds(Int64(finished.timeIntervalSince(leased.acceptedAt) * 1000)))
        }
        if case .quotaExhausted(let until) = report.outcome {
            gate.pause(until: until ?? finished.addingTimeInterval(3600))
        }
        let update = planner.plan(delivery: leased, report: report, now: finished)
        if update.state == .queued { self.metrics.retry(vendor: leased.target.vendor) }
        if report.outcome.kind != .delivered {
            logger.info(
                "delivery attempt not delivered",
                metadata: [
                    "push.outcome": "\(report.outcome.kind.rawValue)",
                    "push.vendor_status": "\(report.vendorStatus.map(String.init) ?? "-")",
                    "push.vendor_reason": "\(report.vendorReason ?? "-")",
                    "push.next_state": "\(update.state.rawValue)",
                ])
        }
        self.recorder.add(update)
    }

    /// After the lease loop: give back deliveries that never started, flush the outcomes.
    private func drain() async {
        let unsent = self.waiting.withLockedValue { waiting -> [UUID] in
            defer { waiting.removeAll() }
            return Array(waiting.keys)
        }
        if !unsent.isEmpty {
            do {
                try await self.store.release(deliveryIDs: unsent, owner: self.owner)
            } catch {
                self.logger.error("could not release deliveries; their leases will expire", metadata: ["error": "\(error)"])
            }
        }
        await self.recorder.flush()
    }
}
