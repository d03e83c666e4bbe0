import Foundation

/// What became of one delivery attempt, in the classes the dispatcher acts on
/// (ARCHITECTURE rule 5). Adapters classify; the dispatcher never parses a vendor's reply.
package enum DeliveryOutcome: Hashable, Sendable {
    /// The vendor accepted the notification.
    case delivered
    /// The token is dead: report it and stop sending to it. `since` is when the vendor last
    /// knew it dead, if it said.
    case invalidToken(reason: OutcomeReason, since: Date?)
    /// Transient: try again later, not before `after` when the vendor or stage gave one.
    /// `stage` is set when the request never reached the vendor.
    case retryable(after: Duration?, stage: FailureStage?)
    /// The vendor rejected our credentials as stale: refresh them once and retry.
    case authRefresh(reason: OutcomeReason)
    /// The app's quota with this vendor is spent: pause the app+vendor until `until`.
    case quotaExhausted(until: Date?)
    /// Retrying cannot help (caller or configuration error).
    case permanent(reason: OutcomeReason)
    /// The request may or may not have reached the vendor: retry only with the same vendor
    /// identity, and count it.
    case ambiguous(stage: FailureStage)

    /// The outcome's class, for metrics labels and stored state.
    package var kind: Kind {
        switch self {
        case .delivered: .delivered
        case .invalidToken: .invalidToken
        case .retryable: .retryable
        case .authRefresh: .authRefresh
        case .quotaExhausted: .quotaExhausted
        case .permanent: .permanent
        case .ambiguous: .ambiguous
        }
    }

    /// The classes of `DeliveryOutcome`, without their details.
    package enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case delivered
        case invalidToken = "invalid_token"
        case retryable
        case authRefresh = "auth_refresh"
        case quotaExhausted = "quota_exhausted"
        case permanent
        case ambiguous
    }
}

/// The outcome of one attempt together with what the vendor said, for status pages and logs.
package struct DeliveryReport: Hashable, Sendable {
    package var outcome: DeliveryOutcome
    /// The vendor's HTTP status (or result code), when it answered.
    package var vendorStatus: Int?
    /// The vendor's reason string, when it gave one.
    package var vendorReason: String?
    /// The vendor's id for the message (APNs echoes `apns-id`).
    package var vendorMessageID: String?

    package init(
        outcome: DeliveryOutcome,
        vendorStatus: Int? = nil,
        vendorReason: String? = nil,
        vendorMessageID: String? = nil
    ) {
        self.outcome = outcome
        self.vendorStatus = vendorStatus
        self.vendorReason = vendorReason
        self.vendorMessageID = vendorMessageID
    }
}
