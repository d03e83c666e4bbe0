import Foundation
import PushgateCore
import PushgateStore
import Testing

@testable import PushgateServer

@Suite struct DeliveryUpdatePlannerTests {
    let planner = DeliveryUpdatePlanner(
        retryPolicy: RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(1)), webhooks: true)
    let now = Date(timeIntervalSince1970: 2_000_000_000)

    func leased(attempts: Int = 0, expiresAt: Date? = nil) -> LeasedDelivery {
        LeasedDelivery(
            id: UUID(), notificationID: UUID(), appID: "shop", notification: .init(body: "x"),
            target: DeviceTarget(vendor: .apns, token: String(repeating: "a", count: 64)),
            attempts: attempts, ambiguousAttempts: 0, expiresAt: expiresAt, acceptedAt: self.now
        )
    }

    @Test func deliveredIsFinalWithAWebhookEvent() throws {
        let update = self.planner.plan(
            delivery: self.leased(), report: .init(outcome: .delivered, vendorStatus: 200), now: self.now)
        #expect(update.state == .delivered)
        #expect(update.lastOutcome?.kind == "delivered")
        let event = try #require(update.webhookEvents.first)
        let object = try JSONSerialization.jsonObject(with: Data(event)) as? [String: Any]
        #expect(object?["type"] as? String == "delivery.final")
        #expect(object?["state"] as? String == "delivered")
    }

    @Test func aDeadTokenGoesToTheFeedAndTheWebhook() {
        let since = self.now.addingTimeInterval(-60)
        let update = self.planner.plan(
            delivery: self.leased(),
            report: .init(
                outcome: .invalidToken(reason: OutcomeReason("Unregistered"), since: since), vendorStatus: 410,
                vendorReason: "Unregistered"),
            now: self.now)
        #expect(update.state == .invalidToken)
        #expect(update.invalidToken?.reason == "Unregistered")
        #expect(update.invalidToken?.since == since)
        #expect(update.webhookEvents.count == 2, "an invalid_token event and the final outcome")
    }

    @Test func transientFailuresRetryWithTheirStage() {
        let update = self.planner.plan(
            delivery: self.leased(), report: .init(outcome: .retryable(after: nil, stage: .proxyTCP)), now: self.now,
            random: 0)
        #expect(update.state == .queued)
        #expect(update.nextAttemptAt == self.now.addingTimeInterval(0.5))
        #expect(update.lastOutcome?.stage == "proxyTCP")
        #expect(update.webhookEvents.isEmpty, "nothing final yet")
    }

    @Test func ambiguousAttemptsAreCountedAndEndAmbiguous() {
        let retry = self.planner.plan(
            delivery: self.leased(attempts: 1), report: .init(outcome: .ambiguous(stage: .awaitingResponse)),
            now: self.now)
        #expect(retry.state == .queued)
        #expect(retry.wasAmbiguous)
        let last = self.planner.plan(
            delivery: self.leased(attempts: 2), report: .init(outcome: .ambiguous(stage: .awaitingResponse)),
            now: self.now)
        #expect(last.state == .ambiguous)
    }

    @Test func expiredDeliveriesCountNoAttempt() {
        let update = self.planner.expired(self.leased(expiresAt: self.now), now: self.now)
        #expect(update.state == .expired)
        #expect(!update.countsAttempt)
    }
}
