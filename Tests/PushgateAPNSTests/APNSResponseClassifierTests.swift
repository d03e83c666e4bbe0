import Foundation
import PushgateCore
import Testing

@testable import PushgateAPNS

/// One row per APNs reason (VENDORS.md A4), written out independently of the adapter's table.
@Suite struct APNSResponseClassifierTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var status: Int
        var reason: String
        var outcome: DeliveryOutcome
        var replacesConnection = false
        var testDescription: String { "\(self.status) \(self.reason)" }
    }

    static func permanent(_ reason: String) -> DeliveryOutcome { .permanent(reason: OutcomeReason(reason)) }
    static let retry = DeliveryOutcome.retryable(after: nil, stage: nil)

    static let rows: [Row] = [
        Row(status: 400, reason: "BadCollapseId", outcome: permanent("BadCollapseId")),
        Row(status: 400, reason: "BadDeviceToken", outcome: .permanent(reason: .environmentMismatch)),
        Row(status: 400, reason: "BadExpirationDate", outcome: permanent("BadExpirationDate")),
        Row(status: 400, reason: "BadMessageId", outcome: permanent("BadMessageId")),
        Row(status: 400, reason: "BadPriority", outcome: permanent("BadPriority")),
        Row(status: 400, reason: "BadTopic", outcome: permanent("BadTopic")),
        Row(
            status: 400, reason: "DeviceTokenNotForTopic",
            outcome: .invalidToken(reason: OutcomeReason("DeviceTokenNotForTopic"), since: nil)),
        Row(status: 400, reason: "DuplicateHeaders", outcome: permanent("DuplicateHeaders")),
        Row(status: 400, reason: "IdleTimeout", outcome: retry, replacesConnection: true),
        Row(status: 400, reason: "InvalidPushType", outcome: permanent("InvalidPushType")),
        Row(status: 400, reason: "MissingDeviceToken", outcome: permanent("MissingDeviceToken")),
        Row(status: 400, reason: "MissingTopic", outcome: permanent("MissingTopic")),
        Row(status: 400, reason: "PayloadEmpty", outcome: permanent("PayloadEmpty")),
        Row(status: 400, reason: "TopicDisallowed", outcome: permanent("TopicDisallowed")),
        Row(status: 403, reason: "BadCertificate", outcome: permanent("BadCertificate")),
        Row(status: 403, reason: "BadCertificateEnvironment", outcome: permanent("BadCertificateEnvironment")),
        Row(
            status: 403, reason: "ExpiredProviderToken",
            outcome: .authRefresh(reason: OutcomeReason("ExpiredProviderToken")), replacesConnection: true),
        Row(status: 403, reason: "Forbidden", outcome: permanent("Forbidden")),
        Row(
            status: 403, reason: "InvalidProviderToken",
            outcome: .authRefresh(reason: OutcomeReason("InvalidProviderToken")), replacesConnection: true),
        Row(status: 403, reason: "MissingProviderToken", outcome: permanent("MissingProviderToken")),
        Row(
            status: 403, reason: "UnrelatedKeyIdInToken",
            outcome: .authRefresh(reason: OutcomeReason("UnrelatedKeyIdInToken")), replacesConnection: true),
        Row(status: 403, reason: "BadEnvironmentKeyIdInToken", outcome: permanent("BadEnvironmentKeyIdInToken")),
        Row(status: 403, reason: "BadEnvironmentKeyInToken", outcome: permanent("BadEnvironmentKeyInToken")),
        Row(status: 404, reason: "BadPath", outcome: permanent("BadPath")),
        Row(status: 405, reason: "MethodNotAllowed", outcome: permanent("MethodNotAllowed")),
        Row(
            status: 410, reason: "Unregistered",
            outcome: .invalidToken(
                reason: OutcomeReason("Unregistered"), since: Date(timeIntervalSince1970: 1_700_000_000))),
        Row(
            status: 410, reason: "ExpiredToken",
            outcome: .invalidToken(
                reason: OutcomeReason("ExpiredToken"), since: Date(timeIntervalSince1970: 1_700_000_000))),
        Row(status: 413, reason: "PayloadTooLarge", outcome: permanent("PayloadTooLarge")),
        // Keep the connection and its token: a fresh one would be one more token update.
        Row(status: 429, reason: "TooManyProviderTokenUpdates", outcome: .retryable(after: .seconds(60), stage: nil)),
        Row(status: 429, reason: "TooManyRequests", outcome: .retryable(after: .seconds(60), stage: nil)),
        Row(status: 500, reason: "InternalServerError", outcome: retry),
        Row(status: 503, reason: "ServiceUnavailable", outcome: retry),
        Row(status: 503, reason: "Shutdown", outcome: retry, replacesConnection: true),
        // Unknown reasons fall back on the status.
        Row(
            status: 410, reason: "SomethingNew",
            outcome: .invalidToken(
                reason: OutcomeReason("SomethingNew"), since: Date(timeIntervalSince1970: 1_700_000_000))),
        Row(status: 502, reason: "SomethingNew", outcome: retry),
        Row(status: 429, reason: "SomethingNew", outcome: .retryable(after: .seconds(60), stage: nil)),
        Row(status: 400, reason: "SomethingNew", outcome: permanent("SomethingNew")),
    ]

    @Test(arguments: rows)
    func classifiesEachReason(row: Row) {
        let response = APNSResponse(
            status: row.status,
            apnsID: "x",
            reason: APNSReason(rawValue: row.reason),
            timestamp: row.status == 410 ? Date(timeIntervalSince1970: 1_700_000_000) : nil
        )
        let rule = APNSResponseClassifier.classify(response)
        #expect(rule.outcome == row.outcome)
        #expect((rule.connectionAction == .replaceConnection) == row.replacesConnection)
    }

    @Test func everyTableRowIsCovered() {
        let tested = Set(Self.rows.map(\.reason))
        for reason in APNSResponseClassifier.table.keys {
            #expect(tested.contains(reason.rawValue), "untested reason \(reason)")
        }
    }

    @Test func badDeviceTokenIsAnInvalidTokenOnceTheEnvironmentIsKnownGood() {
        let response = APNSResponse(status: 400, reason: .badDeviceToken)
        #expect(
            APNSResponseClassifier.classify(response, tokenEnvironmentVerified: true).outcome
                == .invalidToken(reason: OutcomeReason("BadDeviceToken"), since: nil))
    }

    @Test func successIsDelivered() {
        #expect(APNSResponseClassifier.classify(APNSResponse(status: 200)).outcome == .delivered)
    }

    @Test func errorBodiesParseLeniently() {
        let parsed = APNSResponse.parseErrorBody(Array(#"{"reason":"Unregistered","timestamp":1700000000123}"#.utf8))
        #expect(parsed.reason == .unregistered)
        #expect(parsed.timestamp == Date(timeIntervalSince1970: 1_700_000_000.123))
        #expect(APNSResponse.parseErrorBody(Array("not json".utf8)).reason == nil)
        #expect(APNSResponse.parseErrorBody([]).reason == nil)
    }
}
