import PushgateCore

/// Maps APNs answers to `DeliveryOutcome` (VENDORS.md A4, ARCHITECTURE rule 5). Pure; every
/// row of `table` has its own test.
package enum APNSResponseClassifier {
    /// What the connection must do besides reporting the outcome.
    package enum ConnectionAction: Hashable, Sendable {
        case none
        /// Stop using this connection and mint a fresh provider token on a new one (APNs binds
        /// a connection to its first token and key).
        case replaceConnection
    }

    /// One row of Apple's reason table.
    package struct Rule: Hashable, Sendable {
        package var outcome: DeliveryOutcome
        package var connectionAction: ConnectionAction
        /// Whether the adapter may transparently resend once on a fresh connection: the
        /// request was rejected, so nothing was shown and a resend cannot duplicate.
        package var resendOnFreshConnection: Bool
    }

    private static func rule(
        _ outcome: DeliveryOutcome,
        _ action: ConnectionAction = .none,
        resend: Bool = false
    ) -> Rule {
        Rule(outcome: outcome, connectionAction: action, resendOnFreshConnection: resend)
    }

    private static func permanent(_ reason: APNSReason) -> DeliveryOutcome {
        .permanent(reason: OutcomeReason(reason.rawValue))
    }

    /// Apple's reasons and what each means for the delivery.
    package static let table: [APNSReason: Rule] = [
        // 400: a header or the body is wrong: a caller or gateway bug; retrying cannot help.
        .badCollapseID: rule(permanent(.badCollapseID)),
        .badExpirationDate: rule(permanent(.badExpirationDate)),
        .badMessageID: rule(permanent(.badMessageID)),
        .badPriority: rule(permanent(.badPriority)),
        .duplicateHeaders: rule(permanent(.duplicateHeaders)),
        .invalidPushType: rule(permanent(.invalidPushType)),
        .missingDeviceToken: rule(permanent(.missingDeviceToken)),
        .missingTopic: rule(permanent(.missingTopic)),
        .payloadEmpty: rule(permanent(.payloadEmpty)),
        .badTopic: rule(permanent(.badTopic)),
        .topicDisallowed: rule(permanent(.topicDisallowed)),
        // Resolved against the environment in `classify`; this row is for a ruled-out mix-up.
        .badDeviceToken: rule(.invalidToken(reason: OutcomeReason("BadDeviceToken"), since: nil)),
        .deviceTokenNotForTopic: rule(.invalidToken(reason: OutcomeReason("DeviceTokenNotForTopic"), since: nil)),
        .idleTimeout: rule(.retryable(after: nil, stage: nil), .replaceConnection, resend: true),
        // 403: credentials.
        .badCertificate: rule(permanent(.badCertificate)),
        .badCertificateEnvironment: rule(permanent(.badCertificateEnvironment)),
        .missingProviderToken: rule(permanent(.missingProviderToken)),
        .expiredProviderToken: rule(
            .authRefresh(reason: OutcomeReason("ExpiredProviderToken")),
            .replaceConnection,
            resend: true
        ),
        .invalidProviderToken: rule(
            .authRefresh(reason: OutcomeReason("InvalidProviderToken")),
            .replaceConnection,
            resend: true
        ),
        .forbidden: rule(permanent(.forbidden)),
        .unrelatedKeyIDInToken: rule(
            .authRefresh(reason: OutcomeReason("UnrelatedKeyIdInToken")),
            .replaceConnection,
            resend: true
        ),
        .badEnvironmentKeyIDInToken: rule(permanent(.badEnvironmentKeyIDInToken)),
        .badEnvironmentKeyInToken: rule(permanent(.badEnvironmentKeyInToken)),
        // 404 / 405.
        .badPath: rule(permanent(.badPath)),
        .methodNotAllowed: rule(permanent(.methodNotAllowed)),
        // 410: the token is dead; `timestamp` is filled in by `classify`.
        .unregistered: rule(.invalidToken(reason: OutcomeReason("Unregistered"), since: nil)),
        .expiredToken: rule(.invalidToken(reason: OutcomeReason("ExpiredToken"), since: nil)),
        // 413.
        .payloadTooLarge: rule(permanent(.payloadTooLarge)),
        // 429: our tokens changed too often (per connection or per key, VENDORS.md): keep the
        // connection and its token, mint nothing, and retry later; a fresh connection would
        // need a fresh token, one more update. Or one device is hit too often.
        .tooManyProviderTokenUpdates: rule(.retryable(after: .seconds(60), stage: nil)),
        .tooManyRequests: rule(.retryable(after: .seconds(60), stage: nil)),
        // 5xx.
        .internalServerError: rule(.retryable(after: nil, stage: nil)),
        .serviceUnavailable: rule(.retryable(after: nil, stage: nil)),
        .shutdown: rule(.retryable(after: nil, stage: nil), .replaceConnection, resend: true),
    ]

    /// Classifies a response. `tokenEnvironmentVerified` says a sandbox/production mix-up is
    /// ruled out for this target (VENDORS.md A4: BadDeviceToken also means "other environment").
    package static func classify(_ response: APNSResponse, tokenEnvironmentVerified: Bool = false) -> Rule {
        if response.status == 200 {
            return rule(.delivered)
        }
        if let reason = response.reason, let known = Self.table[reason] {
            var result = known
            switch result.outcome {
            case .invalidToken where reason == .badDeviceToken && !tokenEnvironmentVerified:
                result.outcome = .permanent(reason: .environmentMismatch)
            case .invalidToken(let outcomeReason, _) where response.status == 410:
                result.outcome = .invalidToken(reason: outcomeReason, since: response.timestamp)
            default:
                break
            }
            return result
        }
        // Unknown reason (or none): decide by status.
        switch response.status {
        case 410:
            return rule(
                .invalidToken(
                    reason: OutcomeReason(response.reason?.rawValue ?? "Unregistered"), since: response.timestamp))
        case 429:
            return rule(.retryable(after: .seconds(60), stage: nil))
        case 500...599:
            return rule(.retryable(after: nil, stage: nil))
        default:
            return rule(.permanent(reason: OutcomeReason(response.reason?.rawValue ?? "HTTP\(response.status)")))
        }
    }
}
