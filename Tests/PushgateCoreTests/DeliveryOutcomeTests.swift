import Foundation
import PushgateCore
import Testing

@Suite struct DeliveryOutcomeTests {
    @Test(arguments: FailureStage.allCases)
    func onlyWrittenRequestsMayHaveReachedTheVendor(stage: FailureStage) {
        let expected = stage == .requestWrite || stage == .awaitingResponse || stage == .leaseExpired
        #expect(stage.vendorMayHaveReceived == expected)
    }

    @Test func proxyStagesAreProxyFailures() {
        #expect(FailureStage.allCases.filter(\.isProxyFailure) == [.proxyTCP, .proxyTLS, .proxyConnect])
    }

    @Test func kindsHaveStableLabels() {
        #expect(DeliveryOutcome.delivered.kind.rawValue == "delivered")
        #expect(DeliveryOutcome.invalidToken(reason: .malformedToken, since: nil).kind.rawValue == "invalid_token")
        #expect(DeliveryOutcome.ambiguous(stage: .awaitingResponse).kind.rawValue == "ambiguous")
        #expect(DeliveryOutcome.quotaExhausted(until: nil).kind.rawValue == "quota_exhausted")
        #expect(DeliveryOutcome.authRefresh(reason: OutcomeReason("x")).kind.rawValue == "auth_refresh")
    }

    @Test func expiryPrefersTheAbsoluteExpiration() {
        let accepted = Date(timeIntervalSince1970: 1_000_000)
        var notification = PushgateCore.Notification(timeToLive: 60)
        #expect(notification.expiry(acceptedAt: accepted) == accepted.addingTimeInterval(60))
        notification.expiration = Date(timeIntervalSince1970: 5)
        #expect(notification.expiry(acceptedAt: accepted) == Date(timeIntervalSince1970: 5))
        #expect(PushgateCore.Notification().expiry(acceptedAt: accepted) == nil)
    }

    @Test func tokensAreRedactedForLogs() {
        let target = DeviceTarget(vendor: .apns, token: String(repeating: "a", count: 58) + "123456")
        #expect(target.redactedToken == "…123456")
        #expect(!target.redactedToken.contains("aaaa"))
    }

    @Test func notificationsRoundTripThroughJSON() throws {
        let notification = PushgateCore.Notification(
            title: "t",
            body: "b",
            sound: .init(name: "alarm", critical: true, volume: 0.5),
            data: ["k": .object(["n": 1, "list": .array([.bool(true), .null, .number(1.5)])])],
            pushType: .voip,
            overrides: [.apns: .object(["aps": .object(["badge": 3])])]
        )
        let decoded = try JSONDecoder().decode(
            PushgateCore.Notification.self,
            from: JSONEncoder().encode(notification)
        )
        #expect(decoded == notification)
    }
}
