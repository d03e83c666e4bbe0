import Foundation
import Logging

/// Everything the connections of one simulator share: the checks prepared from the configuration, the counters and
/// the logger. Immutable, so every event loop reads it without locking.
final class APNSServerContext: Sendable {
    let validator: APNSRequestValidator
    let tokenVerifier: ProviderTokenVerifier
    let authPolicy: APNSConnectionAuthState.Policy
    /// Each key's tokens across connections; nil unless the token rule is also applied per key.
    let keyLedger: APNSKeyTokenLedger?
    let faults: APNSFaultTable
    let store: APNSCounterStore
    let logger: Logger
    /// Whether connections authenticate with client certificates instead of provider tokens.
    let usesCertificateAuth: Bool
    let maxConcurrentStreams: Int
    let streamsBeforeFirstAcceptedToken: Int
    let dropStreamLimitAfterRejection: Bool
    let goAwayAfterRequests: Int?
    let goAwayBeforeAnswering: Bool
    let clock: @Sendable () -> Date

    init(configuration: APNSSimulator.Configuration, store: APNSCounterStore, logger: Logger) {
        self.validator = APNSRequestValidator(
            deviceTokenHexLength: configuration.deviceTokenHexLength,
            allowedTopics: configuration.allowedTopics
        )
        self.tokenVerifier = ProviderTokenVerifier(
            keys: configuration.tokenKeys,
            teamID: configuration.teamID,
            otherEnvironmentKeyIDs: configuration.otherEnvironmentKeyIDs,
            environmentRejection: APNSRejection(403, configuration.environmentReasonSpelling),
            lenient: configuration.acceptDERSignatures
        )
        self.authPolicy = APNSConnectionAuthState.Policy(
            maximumAge: configuration.tokenMaxAge.components.seconds,
            minimumRefreshInterval: configuration.tokenMinRefreshInterval.components.seconds
        )
        self.keyLedger = configuration.providerTokenRule == .perConnectionAndKey ? APNSKeyTokenLedger() : nil
        self.faults = APNSFaultTable(rules: configuration.faults, slowResponseDelay: configuration.slowResponseDelay)
        self.store = store
        self.logger = logger
        self.usesCertificateAuth = configuration.clientCertificateTrustRootsPEM != nil
        self.maxConcurrentStreams = configuration.maxConcurrentStreams
        self.streamsBeforeFirstAcceptedToken = configuration.streamsBeforeFirstAcceptedToken
        self.dropStreamLimitAfterRejection = configuration.dropStreamLimitAfterRejection
        self.goAwayAfterRequests = configuration.goAwayAfterRequests
        self.goAwayBeforeAnswering = configuration.goAwayBeforeAnswering
        self.clock = configuration.clock
    }

    /// The stream-limit and GOAWAY settings every connection starts from.
    var connectionLimits: APNSConnectionHandler.StateMachine.Limits {
        APNSConnectionHandler.StateMachine.Limits(
            maxConcurrentStreams: self.maxConcurrentStreams,
            streamsBeforeFirstAcceptedToken: self.streamsBeforeFirstAcceptedToken,
            // Without token keys no token can ever be accepted, so a single-stream phase would never end.
            limitsUntilTokenAccepted: !self.usesCertificateAuth && !self.tokenVerifier.keys.isEmpty,
            dropStreamLimitAfterRejection: self.dropStreamLimitAfterRejection,
            goAwayAfterRequests: self.goAwayAfterRequests,
            goAwayBeforeAnswering: self.goAwayBeforeAnswering
        )
    }

    /// Seconds since the epoch, for `iat` checks.
    func now() -> Int64 {
        Int64(self.clock().timeIntervalSince1970)
    }
}
