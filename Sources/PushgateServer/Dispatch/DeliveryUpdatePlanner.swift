import Foundation
import PushgateCore
import PushgateStore

/// Turns one attempt's report into what the store records: the next state, the retry time,
/// the invalid-token report and the webhook events. Pure, so every path is tested without I/O.
struct DeliveryUpdatePlanner: Sendable {
    var retryPolicy: RetryPolicy
    /// Whether the app has a webhook (events are only queued when someone will receive them).
    var webhooks: Bool

    func plan(
        delivery: LeasedDelivery,
        report: DeliveryReport,
        now: Date,
        random: Double = Double.random(in: 0..<1)
    ) -> DeliveryUpdate {
        // Only attempts the vendor may have seen spend the budget (ARCHITECTURE rule 6): a send
        // that failed before any byte left (connect, TLS, proxy, no free stream) is retried
        // until the TTL, paced by its lane's outage pause rather than by the attempt count.
        let notSent: Bool
        if case .retryable(_, let stage?) = report.outcome, !stage.vendorMayHaveReceived {
            notSent = true
        } else {
            notSent = false
        }
        let attempts = notSent ? delivery.attempts : delivery.attempts + 1
        let decision: RetryPolicy.Decision
        if notSent {
            decision = self.retryPolicy.decideNotSent(
                after: report.outcome, attempts: attempts, now: now, expiresAt: delivery.expiresAt, random: random)
        } else if case .permanent(let reason) = report.outcome, reason == .expired {
            // The adapter found the TTL passed (it checks again right before building the request).
            decision = .finish(.expired)
        } else if report.outcome.kind == .ambiguous,
            !self.retryPolicy.resendAmbiguous.contains(delivery.notification.effectivePushType)
        {
            // A second copy of this kind of push would wake the app or ring again: report it.
            decision = .finish(.ambiguous)
        } else {
            decision = self.retryPolicy.decide(
                after: report.outcome,
                attempts: attempts,
                now: now,
                expiresAt: delivery.expiresAt,
                random: random
            )
        }
        var stage: FailureStage?
        switch report.outcome {
        case .retryable(_, let failureStage): stage = failureStage
        case .ambiguous(let failureStage): stage = failureStage
        default: break
        }
        let lastOutcome = LastOutcome(
            kind: report.outcome.kind.rawValue,
            vendorStatus: report.vendorStatus,
            vendorReason: report.vendorReason,
            stage: stage?.rawValue,
            at: now
        )
        var update = DeliveryUpdate(
            deliveryID: delivery.id,
            state: .queued,
            countsAttempt: !notSent,
            wasAmbiguous: report.outcome.kind == .ambiguous,
            lastOutcome: lastOutcome
        )
        switch decision {
        case .retry(let at):
            update.nextAttemptAt = at
        case .finish(let final):
            update.state = Self.state(final)
        }
        if case .invalidToken(let reason, let since) = report.outcome {
            update.invalidToken = InvalidTokenReport(
                appID: delivery.appID,
                vendor: delivery.target.vendor,
                token: delivery.target.token,
                reason: reason.rawValue,
                since: since
            )
        }
        if self.webhooks {
            update.webhookEvents = WebhookEvents.events(for: delivery, update: update, attempts: attempts)
        }
        return update
    }

    /// A delivery whose TTL passed before it could be sent: no attempt is counted.
    func expired(_ delivery: LeasedDelivery, now: Date) -> DeliveryUpdate {
        self.finishedUnsent(
            delivery, state: .expired,
            lastOutcome: LastOutcome(
                kind: "expired", vendorReason: "the TTL passed before the delivery could be sent", at: now))
    }

    /// A delivery whose budget ran out through expired leases (each counted an ambiguous
    /// attempt when it was leased again): it ends `ambiguous` without another send, so one
    /// that crashes every gateway that sends it cannot loop forever.
    func exhausted(_ delivery: LeasedDelivery, now: Date) -> DeliveryUpdate {
        self.finishedUnsent(
            delivery, state: .ambiguous,
            lastOutcome: LastOutcome(
                kind: DeliveryOutcome.Kind.ambiguous.rawValue,
                vendorReason: "the attempt budget ran out on leases that expired mid-send",
                stage: FailureStage.leaseExpired.rawValue,
                at: now
            ))
    }

    /// A final state reached without a send (no attempt counted), with its webhook events.
    private func finishedUnsent(_ delivery: LeasedDelivery, state: DeliveryState, lastOutcome: LastOutcome)
        -> DeliveryUpdate
    {
        var update = DeliveryUpdate(
            deliveryID: delivery.id, state: state, countsAttempt: false, lastOutcome: lastOutcome)
        if self.webhooks {
            update.webhookEvents = WebhookEvents.events(for: delivery, update: update, attempts: delivery.attempts)
        }
        return update
    }

    /// Held back (quota pause, shutdown): due again at `at`, no attempt counted.
    func postponed(_ delivery: LeasedDelivery, until at: Date) -> DeliveryUpdate {
        DeliveryUpdate(
            deliveryID: delivery.id, state: .queued, countsAttempt: false, nextAttemptAt: at, lastOutcome: nil)
    }

    static func state(_ final: RetryPolicy.Final) -> DeliveryState {
        switch final {
        case .delivered: .delivered
        case .failed: .failed
        case .invalidToken: .invalidToken
        case .expired: .expired
        case .ambiguous: .ambiguous
        }
    }
}
