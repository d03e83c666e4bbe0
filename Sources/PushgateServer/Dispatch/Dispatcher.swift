import Foundation
import Logging
import NIOConcurrencyHelpers
import Prometheus
import PushgateCore
import PushgateStore
import ServiceLifecycle

/// Leases due deliveries from the store, groups them into batches (one notification, one lane),
/// sends them through the provider router within each lane's limits, and records the outcomes
/// (ARCHITECTURE rules 1–6). Wakes on new work instead of polling; on graceful shutdown it
/// stops leasing, lets in-flight sends finish within the grace period, and gives back what it
/// had not started.
package final class Dispatcher: Service, Sendable {
    package struct Configuration: Sendable {
        package var batchSize: Int = 200
        package var leaseDuration: Duration = .seconds(60)
        package var maxInFlight: Int = 2_000
        package var shutdownGrace: Duration = .seconds(10)
        /// Polling fallback when no wake-up comes (work signals are hints).
        package var idlePoll: Duration = .seconds(1)
        package init() {}
    }

    /// What the dispatcher applies to one lane (app + vendor; each environment paced apart).
    package struct LanePolicy: Sendable {
        package var retry: RetryPolicy
        /// Deliveries per second.
        package var perSecond: Double
        /// Vendor requests in flight.
        package var concurrency: Int
        package var webhooks: Bool
        /// When an outage pauses the lane and how it is probed.
        var health = LaneStateMachine.Settings()

        package init(retry: RetryPolicy, perSecond: Double, concurrency: Int, webhooks: Bool) {
            self.retry = retry
            self.perSecond = perSecond
            self.concurrency = concurrency
            self.webhooks = webhooks
        }

        /// For a lane nobody configured (its app or vendor left the configuration).
        static let fallback = LanePolicy(retry: RetryPolicy(), perSecond: 1000, concurrency: 100, webhooks: false)
    }

    /// Policies are set per app and vendor.
    package struct PolicyKey: Hashable, Sendable {
        package var appID: String
        package var vendor: Vendor

        package init(appID: String, vendor: Vendor) {
            self.appID = appID
            self.vendor = vendor
        }
    }

    private let store: any DeliveryStore
    private let router: ProviderRouter
    private let policies: [PolicyKey: LanePolicy]
    private let clock: WallClock
    private let configuration: Configuration
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let owner: String
    private let lanes: NIOLockedValueBox<[Lane: LaneController]>
    private let inFlight = NIOLockedValueBox(0)
    private let capacity = Wakeup()
    /// Wakes the lease loop: hand-offs, store work, a lane taking work again, shutdown.
    private let work = Wakeup()
    /// Set when the store may have due work for this dispatcher (a work signal, a lane taking
    /// work again); a wake-up for hand-offs alone does not query the store.
    private let leaseWanted = NIOLockedValueBox(true)
    private let handOffs = HandOffQueue()
    private let recorder: OutcomeRecorder
    /// Leased but not yet handed to an adapter: given back on shutdown.
    private let waiting = NIOLockedValueBox<[UUID: LeasedDelivery]>([:])
    /// Every delivery this dispatcher is working on. A lease that expires while its delivery
    /// still waits here (a slow rate gate) can come back from `leaseDue` to the same owner:
    /// the second copy is dropped instead of sent twice.
    /// A delivery stays here until its outcome is in the store (`OutcomeRecorder` may hold it
    /// while the store is failing).
    private let active: NIOLockedValueBox<Set<UUID>>

    package init(
        store: any DeliveryStore,
        router: ProviderRouter,
        policies: [PolicyKey: LanePolicy],
        configuration: Configuration,
        clock: WallClock = .system,
        metrics: GatewayMetrics,
        logger: Logger
    ) {
        self.store = store
        self.router = router
        self.policies = policies
        self.clock = clock
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.owner =
            "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().lowercasedString.prefix(8))"
        self.lanes = NIOLockedValueBox([:])
        let active = NIOLockedValueBox<Set<UUID>>([])
        self.active = active
        self.recorder = OutcomeRecorder(
            store: store, owner: self.owner, maxBatch: configuration.batchSize, logger: logger,
            onRecorded: { ids in
                active.withLockedValue { active in
                    for id in ids { active.remove(id) }
                }
            })
    }

    package func run() async throws {
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
            self.wantLease()
            if Task.isCancelled { return }
        }
    }

    private func watchQueueDepth() async {
        while !Task.isCancelled {
            if let depth = try? await self.store.queueDepth() { self.metrics.queueDepth.set(Double(depth)) }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func wantLease() {
        self.leaseWanted.withLockedValue { $0 = true }
        self.work.signal()
    }

    // MARK: Hand-off after commit

    /// A lease for the `count` deliveries of a submission about to be stored, if this dispatcher
    /// takes them now: it runs, has room for them, and none of their lanes is paused or full.
    /// Store the submission with this lease, then call `handOff` once it committed, or
    /// `cancelHandOff(count:)` if the store did not take it. Nil: store it queued, as usual.
    package func reserveHandOff(count: Int, lanes: some Sequence<Lane>) -> Submission.Lease? {
        let now = self.clock.now()
        let blocked = self.lanes.withLockedValue { controllers in
            lanes.contains { controllers[$0]?.leaseBlockedUntil(now: now) != nil }
        }
        guard !blocked else { return nil }
        let room = self.configuration.maxInFlight - self.inFlight.withLockedValue { $0 }
        guard self.handOffs.reserve(count: count, room: room) else { return nil }
        return Submission.Lease(
            owner: self.owner, until: now.addingTimeInterval(self.configuration.leaseDuration.timeInterval))
    }

    /// The committed deliveries of a reservation: they are sent without being read back. If the
    /// dispatcher stopped meanwhile, they are given back to the store for the next lease.
    package func handOff(_ deliveries: [LeasedDelivery]) {
        guard self.handOffs.put(deliveries) else {
            Task { await self.giveBack(deliveries.map(\.id)) }
            return
        }
        self.work.signal()
    }

    /// The store did not take a reserved submission (an error, an idempotent replay).
    package func cancelHandOff(count: Int) {
        self.handOffs.cancel(count: count)
        self.capacity.signal()
    }

    // MARK: The lease loop

    private struct GraceExpired: Error {}

    private func leaseLoop() async {
        try? await withThrowingDiscardingTaskGroup { sends in
            // When the store is next worth asking without a signal (its next due time, the poll).
            var nextLease = ContinuousClock.now
            self.handOffs.open()
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let handedOff = self.handOffs.take()
                if !handedOff.isEmpty { self.take(handedOff, counting: self.metrics.handedOff, into: &sends) }
                let wanted = self.leaseWanted.withLockedValue { wanted in
                    defer { wanted = false }
                    return wanted
                }
                if !wanted, ContinuousClock.now < nextLease {
                    await self.work.wait(timeout: nextLease - ContinuousClock.now)
                    continue
                }
                let free =
                    self.configuration.maxInFlight - self.inFlight.withLockedValue { $0 } - self.handOffs.reserved
                guard free >= min(self.configuration.batchSize, self.configuration.maxInFlight) / 4 else {
                    self.leaseWanted.withLockedValue { $0 = true }
                    await self.capacity.wait(timeout: .milliseconds(100))
                    continue
                }
                let leased: [LeasedDelivery]
                let now = self.clock.now()
                do {
                    leased = try await self.store.leaseDue(
                        limit: min(self.configuration.batchSize, free),
                        owner: self.owner,
                        now: now,
                        leaseDuration: self.configuration.leaseDuration,
                        excluding: self.blockedLanes(now: now).lanes
                    )
                } catch {
                    self.logger.error("could not lease deliveries", metadata: ["error": "\(error)"])
                    nextLease = ContinuousClock.now + .seconds(1)
                    continue
                }
                if leased.isEmpty {
                    nextLease = ContinuousClock.now + (await self.idleWait())
                    continue
                }
                // A full lease: more is probably due.
                nextLease = ContinuousClock.now
                self.take(leased, counting: self.metrics.leased, into: &sends)
            }
            // Hand-offs from now on are given back by `handOff`; those not taken yet by `drain`.
            let untaken = self.handOffs.close()
            self.waiting.withLockedValue { waiting in
                for delivery in untaken { waiting[delivery.id] = delivery }
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

    /// Takes leased or handed-off deliveries into `active` and `inFlight` (a delivery it already
    /// works on is dropped: see `active`) and sends them, one task per batch (one notification,
    /// one lane).
    private func take(
        _ deliveries: [LeasedDelivery], counting source: Counter,
        into sends: inout ThrowingDiscardingTaskGroup<any Error>
    ) {
        let fresh = self.active.withLockedValue { active in deliveries.filter { active.insert($0.id).inserted } }
        self.inFlight.withLockedValue { $0 += fresh.count }
        source.increment(by: Int64(fresh.count))
        self.waiting.withLockedValue { waiting in
            for delivery in fresh { waiting[delivery.id] = delivery }
        }
        let batches = DeliveryBatcher.batches(fresh) { lane in
            self.router.adapter(app: lane.appID, vendor: lane.vendor)?.maxBatchSize ?? 1
        }
        for batch in batches {
            guard let first = batch.first else { continue }
            let lane = self.lane(Lane(appID: first.appID, target: first.target))
            lane.hold(batch.count)
            sends.addTask { await self.process(batch, lane: lane) }
        }
    }

    /// Leased deliveries this dispatcher will not send: back to `queued`, due now.
    private func giveBack(_ ids: [UUID]) async {
        guard !ids.isEmpty else { return }
        do {
            try await self.store.release(deliveryIDs: ids, owner: self.owner)
        } catch {
            self.logger.error(
                "could not release deliveries; their leases will expire",
                metadata: ["error": "\(error)", "push.count": "\(ids.count)"])
        }
    }

    /// Lanes that take no work now (paused, or holding enough), for `leaseDue` to skip, and the
    /// earliest time a paused one takes work again (a full one wakes the loop itself).
    private func blockedLanes(now: Date) -> (lanes: Set<Lane>, resumes: Date?) {
        self.lanes.withLockedValue { lanes in
            var blocked: Set<Lane> = []
            var resumes: Date?
            for controller in lanes.values {
                guard let until = controller.leaseBlockedUntil(now: now) else { continue }
                blocked.insert(controller.lane)
                if until != .distantFuture { resumes = min(resumes ?? until, until) }
            }
            return (blocked, resumes)
        }
    }

    /// Until the next delivery of a lane that takes work is due, or a paused lane's pause or
    /// probe time comes, at most the polling interval. A lane holding enough wakes the loop
    /// itself when one of its sends finishes.
    private func idleWait() async -> Duration {
        let now = self.clock.now()
        let blocked = self.blockedLanes(now: now)
        var next = (try? await self.store.nextDueDate(excluding: blocked.lanes)) ?? nil
        if let resumes = blocked.resumes { next = min(next ?? resumes, resumes) }
        guard let next else { return self.configuration.idlePoll }
        let seconds = max(0.001, min(next.timeIntervalSince(now), self.configuration.idlePoll.timeInterval))
        return .milliseconds(Int64(seconds * 1000))
    }

    private func policy(_ lane: Lane) -> LanePolicy {
        self.policies[PolicyKey(appID: lane.appID, vendor: lane.vendor)] ?? .fallback
    }

    private func lane(_ lane: Lane) -> LaneController {
        self.lanes.withLockedValue { lanes in
            if let controller = lanes[lane] { return controller }
            let controller = LaneController(
                lane: lane,
                policy: self.policy(lane),
                maxBatchSize: self.router.adapter(app: lane.appID, vendor: lane.vendor)?.maxBatchSize ?? 1,
                maxInFlight: self.configuration.maxInFlight
            )
            lanes[lane] = controller
            return controller
        }
    }

    /// A lane paused or resumed: a log line and the metrics.
    private func note(_ transition: LaneStateMachine.Transition?, lane: LaneController) {
        guard let transition else { return }
        let metadata: Logger.Metadata = ["push.app": "\(lane.lane.appID)", "push.vendor": "\(lane.lane.vendor)"]
        switch transition {
        case .paused(let reason):
            self.metrics.lanePaused(lane: lane.lane, reason: reason.rawValue)
            self.logger.warning("lane paused", metadata: metadata.merging(["push.reason": "\(reason.rawValue)"]) { $1 })
        case .resumed(let reason, let after):
            self.metrics.laneResumed(lane: lane.lane, reason: reason.rawValue, after: after)
            self.logger.notice(
                "lane resumed",
                metadata: metadata.merging(["push.reason": "\(reason.rawValue)", "push.paused_for": "\(after)"]) { $1 })
        }
        self.metrics.laneState(lane: lane.lane, state: lane.stateName)
    }

    /// Takes deliveries out of `waiting`; returns those that were still there (not given back by `drain`).
    private func start(_ deliveries: [LeasedDelivery]) -> [LeasedDelivery] {
        self.waiting.withLockedValue { waiting in
            deliveries.filter { waiting.removeValue(forKey: $0.id) != nil }
        }
    }

    /// Sends one batch (one notification, one lane) and records each delivery's outcome.
    private func process(_ batch: [LeasedDelivery], lane: LaneController) async {
        guard let first = batch.first else { return }
        let leasedAt = ContinuousClock.now
        defer {
            // Deliveries whose outcome still waits to be written stay active: the recorder
            // releases them once it is in the store.
            self.active.withLockedValue { active in
                for delivery in batch where !self.recorder.holds(delivery.id) { active.remove(delivery.id) }
            }
            self.inFlight.withLockedValue { $0 -= batch.count }
            let takesWorkAgain = lane.unhold(batch.count)
            self.capacity.signal()
            // A lane that held enough was left out of leases: now it takes work again.
            if takesWorkAgain { self.wantLease() }
        }
        let policy = self.policy(lane.lane)
        let planner = DeliveryUpdatePlanner(retryPolicy: policy.retry, webhooks: policy.webhooks)
        var sendable: [LeasedDelivery] = []
        for leased in self.withoutExpired(batch, planner: planner) {
            if leased.attempts >= policy.retry.maxAttempts {
                for spent in self.start([leased]) { self.recorder.add(planner.exhausted(spent, now: self.clock.now())) }
            } else {
                sendable.append(leased)
            }
        }
        guard !sendable.isEmpty else { return }
        let (admission, transition) = lane.admit(now: self.clock.now())
        self.note(transition, lane: lane)
        let isProbe: Bool
        switch admission {
        case .hold(let until):
            for held in self.start(sendable) { self.recorder.add(planner.postponed(held, until: until)) }
            return
        case .send: isProbe = false
        case .probe: isProbe = true
        }
        // A probe that ends without an answer must not leave the lane waiting for it forever.
        var probeAnswered = false
        defer {
            if isProbe && !probeAnswered {
                self.note(lane.finished(.neutral, wasProbe: true, now: self.clock.now()), lane: lane)
            }
        }
        guard let adapter = self.router.adapter(app: lane.lane.appID, vendor: lane.lane.vendor) else {
            let report = DeliveryReport(outcome: .permanent(reason: .vendorNotConfigured))
            let now = self.clock.now()
            for leased in self.start(sendable) {
                self.recorder.add(planner.plan(delivery: leased, report: report, now: now))
            }
            return
        }
        // Cancelled while waiting for the gate (shutdown after the grace): `drain` gives them back unsent.
        guard await lane.gate.acquire(count: sendable.count) else { return }
        // The TTL may have passed while the batch waited for its rate: those end expired, unsent.
        let started = self.start(self.withoutExpired(sendable, planner: planner))
        guard !started.isEmpty else {
            lane.gate.release()
            return
        }
        // Waited at the gate for half the lease: send them with a fresh lease later rather than
        // risk the lease running out mid-send.
        if ContinuousClock.now - leasedAt > self.configuration.leaseDuration / 2 {
            lane.gate.release()
            let again = self.clock.now()
            for held in started { self.recorder.add(planner.postponed(held, until: again)) }
            return
        }
        let deliveries = started.map { leased in
            Delivery(
                id: leased.id,
                notification: leased.notification,
                notificationID: leased.notificationID,
                target: leased.target,
                attempt: leased.attempts + 1,
                expiresAt: leased.expiresAt
            )
        }
        var logger = self.logger
        logger[metadataKey: "push.app"] = "\(lane.lane.appID)"
        logger[metadataKey: "push.vendor"] = "\(lane.lane.vendor)"
        if started.count == 1 {
            logger[metadataKey: "push.delivery_id"] = "\(started[0].id.lowercasedString)"
        } else {
            logger[metadataKey: "push.notification_id"] = "\(first.notificationID.lowercasedString)"
            logger[metadataKey: "push.count"] = "\(started.count)"
        }
        if isProbe { logger.info("probing a paused lane") }
        let sendStart = ContinuousClock.now
        var reports = await adapter.send(deliveries, logger: logger)
        lane.gate.release()
        self.metrics.sendLatency.record(ContinuousClock.now - sendStart)
        if reports.count != started.count {
            logger.error(
                "adapter returned a different number of reports than deliveries",
                metadata: ["push.reports": "\(reports.count)", "push.deliveries": "\(started.count)"])
            reports = Array(
                repeating: DeliveryReport(outcome: .permanent(reason: .adapterReportMismatch)), count: started.count)
        }
        let finished = self.clock.now()
        let signal = LaneStateMachine.Signal(batch: reports.map { LaneStateMachine.Signal($0, now: finished) })
        probeAnswered = true
        self.note(lane.finished(signal, wasProbe: isProbe, now: finished), lane: lane)
        for (leased, report) in zip(started, reports) {
            self.record(report, for: leased, lane: lane.lane, planner: planner, finished: finished, logger: logger)
        }
    }

    /// Records deliveries whose TTL has passed as `expired` (taking them out of `waiting`) and
    /// returns the rest. A TTL of 0 means "now or never": its first attempt still goes out.
    private func withoutExpired(_ deliveries: [LeasedDelivery], planner: DeliveryUpdatePlanner) -> [LeasedDelivery] {
        let now = self.clock.now()
        var live: [LeasedDelivery] = []
        for leased in deliveries {
            let nowOrNever = leased.notification.timeToLive == 0 && leased.attempts == 0
            if let expiresAt = leased.expiresAt, expiresAt <= now, !nowOrNever {
                for expired in self.start([leased]) { self.recorder.add(planner.expired(expired, now: now)) }
            } else {
                live.append(leased)
            }
        }
        return live
    }

    private func record(
        _ report: DeliveryReport,
        for leased: LeasedDelivery,
        lane: Lane,
        planner: DeliveryUpdatePlanner,
        finished: Date,
        logger: Logger
    ) {
        self.metrics.attempt(lane: lane, outcome: report.outcome)
        if case .delivered = report.outcome {
            self.metrics.acceptLatency.record(
                .milliseconds(Int64(finished.timeIntervalSince(leased.acceptedAt) * 1000)))
        }
        let update = planner.plan(delivery: leased, report: report, now: finished)
        if update.state == .queued { self.metrics.retry(lane: lane) }
        if report.outcome.kind != .delivered {
            logger.info(
                "delivery attempt not delivered",
                metadata: [
                    "push.delivery_id": "\(leased.id.lowercasedString)",
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
        await self.giveBack(unsent)
        await self.recorder.flush(giveUpAt: ContinuousClock.now + self.configuration.shutdownGrace)
    }
}
