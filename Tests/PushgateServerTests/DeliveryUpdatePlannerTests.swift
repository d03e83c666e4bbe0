import Foundation
import PushgateCore
import PushgateStore
import Testing

@testable import PushgateServer

@Suite struct DeliveryUpdatePlannerTests {
    let planner = DeliveryUpdatePlanner(
        retryPolicy: RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(1)), webhooks: true)
    let now = Date(timeIntervalSince1970: 2_000_000_000)

    func leased(
        attempts: Int = 0, expiresAt: Date? = nil, notification: PushgateCore.Notification = .init(body: "x")
    ) -> LeasedDelivery {
        LeasedDelivery(
            id: UUID(), notificationID: UUID(), appID: "shop", notification: notification,
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

    @Test("a send that never left spends no attempt and retries until the TTL, whatever the budget")
    func notSentSpendsNoAttempt() {
        let update = self.planner.plan(
            delivery: self.leased(attempts: 2), report: .init(outcome: .retryable(after: nil, stage: .connect)),
            now: self.now, random: 0)
        #expect(update.state == .queued, "two of three attempts spent, yet it goes on")
        #expect(update.countsAttempt == false)
        #expect(update.lastOutcome?.stage == "connect")
        let late = self.planner.plan(
            delivery: self.leased(attempts: 0, expiresAt: self.now.addingTimeInterval(0.1)),
            report: .init(outcome: .retryable(after: nil, stage: .proxyConnect)), now: self.now, random: 0)
        #expect(late.state == .expired, "the TTL is the deadline")
        // Written, then no answer: the vendor may have it, so it counts.
        let written = self.planner.plan(
            delivery: self.leased(attempts: 0), report: .init(outcome: .ambiguous(stage: .requestWrite)),
            now: self.now, random: 0)
        #expect(written.countsAttempt == true)
        // An answer counts too.
        let answered = self.planner.plan(
            delivery: self.leased(attempts: 0),
            report: .init(outcome: .retryable(after: nil, stage: nil), vendorStatus: 503),
            now: self.now, random: 0)
        #expect(answered.countsAttempt == true)
    }

    @Test("an adapter's own Expired rejection ends expired, not failed")
    func adapterExpiryIsExpired() {
        let update = self.planner.plan(
            delivery: self.leased(), report: .init(outcome: .permanent(reason: .expired)), now: self.now)
        #expect(update.state == .expired)
    }

    @Test(
        "ambiguous alerts are resent; ambiguous background, VoIP and Live Activity pushes are reported",
        arguments: [
            (PushgateCore.Notification.PushType.alert, DeliveryState.queued),
            (.background, .ambiguous), (.voip, .ambiguous), (.liveActivity, .ambiguous), (.location, .ambiguous),
        ])
    func ambiguousPolicyByPushType(pushType: PushgateCore.Notification.PushType, expected: DeliveryState) {
        var notification = PushgateCore.Notification(body: "x")
        notification.pushType = pushType
        let update = self.planner.plan(
            delivery: self.leased(notification: notification),
            report: .init(outcome: .ambiguous(stage: .awaitingResponse)),
            now: self.now)
        #expect(update.state == expected)
        #expect(update.wasAmbiguous)
    }

    @Test func theAmbiguousPolicyIsConfigurable() throws {
        var settings = RetrySettings()
        settings.resendAmbiguous = ["alert", "background"]
        let planner = DeliveryUpdatePlanner(retryPolicy: settings.policy, webhooks: false)
        let background = PushgateCore.Notification(contentAvailable: true)
        let update = planner.plan(
            delivery: self.leased(notification: background), report: .init(outcome: .ambiguous(stage: .requestWrite)),
            now: self.now)
        #expect(update.state == .queued, "a content-available-only push is a background push, resent as configured")
        settings.resendAmbiguous = ["alert", "bogus"]
        #expect(
            settings.problems(path: "apps[0].retry").first?.hasPrefix(
                "apps[0].retry.resend_ambiguous[1]: not a push type") == true)
    }

    @Test("the README states the ambiguous policy the code has: its default and what APNs does with a resend")
    func readmeStatesTheAmbiguousPolicy() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        // Paragraphs are wrapped: compare with single spaces.
        let text = readme.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let defaults = RetrySettings().resendAmbiguous
        #expect(defaults == ["alert"], "the README below describes alerts-only; change both together")
        #expect(text.contains("resend_ambiguous: [\(defaults.joined(separator: ", "))]"), "the example configuration")
        #expect(text.contains("by default only alerts are resent after an ambiguous attempt"))
        #expect(text.contains("APNs does not deduplicate by `apns-id`"))
        // The push types the README says end `ambiguous` by default are the ones the planner reports.
        for pushType in [PushgateCore.Notification.PushType.background, .voip, .liveActivity] {
            #expect(!RetryPolicy.defaultResendAmbiguous.contains(pushType))
        }
        #expect(text.contains("A background, VoIP, Live Activity or other non-alert push would wake the app or ring"))
    }
}
