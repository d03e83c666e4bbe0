import Crypto
import Foundation
import NIOCore

extension APNSSimulator {
    /// How the simulator listens, authenticates and misbehaves.
    package struct Configuration: SimulatorServerConfiguration {
        package var host: String = "127.0.0.1"
        /// 0 picks a free port; read `APNSSimulator.port` after `start`.
        package var port: Int = 0
        /// The server certificate followed by any intermediates (PEM).
        package var certificateChainPEM: String
        /// The server certificate's private key (PEM).
        package var privateKeyPEM: String
        /// When set, clients must present a certificate issued by one of these roots (certificate authentication).
        /// Requests on such a connection need no `authorization`; if the certificate's subject has a UID
        /// (0.9.2342.19200300.100.1.1), `apns-topic` must be that UID or it plus a push-type suffix, else 400
        /// `BadTopic`.
        package var clientCertificateTrustRootsPEM: String? = nil
        /// Key ID → public key, for token authentication.
        package var tokenKeys: [String: P256.Signing.PublicKey] = [:]
        /// Key IDs to answer with `environmentReasonSpelling` (a key limited to the other environment).
        package var otherEnvironmentKeyIDs: Set<String> = []
        /// When set, a token's `iss` must equal it.
        package var teamID: String? = nil
        /// `SETTINGS_MAX_CONCURRENT_STREAMS` once a connection is authenticated (APNs was seen at 500–1500).
        package var maxConcurrentStreams: Int = 1000
        /// `SETTINGS_MAX_CONCURRENT_STREAMS` on a token-auth connection until a request with a valid JWT arrives;
        /// then a new SETTINGS frame raises it to `maxConcurrentStreams`.
        package var streamsBeforeFirstAcceptedToken: Int = 1
        /// Observed APNs behaviour: the limit drops to 1 after a rejected push and comes back after the next accepted.
        package var dropStreamLimitAfterRejection: Bool = false
        /// A token whose `iat` is older gets 403 `ExpiredProviderToken`.
        package var tokenMaxAge: Duration = .seconds(3600)
        /// A connection switching to a token whose `iat` is less than this after its previous token's gets 429
        /// `TooManyProviderTokenUpdates`.
        package var tokenMinRefreshInterval: Duration = .seconds(1200)
        /// Whether `tokenMinRefreshInterval` is applied per connection only, or per signing key as well.
        package var providerTokenRule: ProviderTokenRule = .perConnection
        package var deviceTokenHexLength: Int = 64
        /// nil accepts any topic; otherwise a token-auth topic (without its push-type suffix) not in the set gets 400
        /// `TopicDisallowed`.
        package var allowedTopics: Set<String>? = nil
        package var faults: [FaultRule] = FaultRule.defaults
        /// Per connection: after the Nth request stream arrives, answer it, then send GOAWAY(lastStreamID: that stream,
        /// NO_ERROR, `{"reason":"Shutdown"}`) and close once the streams up to it are answered.
        package var goAwayAfterRequests: Int? = nil
        /// With `goAwayAfterRequests`: send that GOAWAY as soon as the Nth request arrives, before it or any earlier
        /// stream is answered (they are answered after it), as golang.org/x/net/http2's graceful shutdown does.
        package var goAwayBeforeAnswering: Bool = false
        /// The delay of the `slow` fault.
        package var slowResponseDelay: Duration = .seconds(2)
        /// Lenient mode: accept DER-encoded ES256 signatures and a string `iat`, as APNs is observed to.
        package var acceptDERSignatures: Bool = false
        /// Apple's table says `BadEnvironmentKeyIdInToken`; field reports show `BadEnvironmentKeyInToken`.
        package var environmentReasonSpelling: String = "BadEnvironmentKeyIdInToken"
        package var eventLoopThreads: Int = System.coreCount
        /// The wall clock for `iat` checks and 410 timestamps; tests that move their client's clock move this one too.
        package var clock: @Sendable () -> Date = { Date() }

        package init(certificateChainPEM: String, privateKeyPEM: String) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
        }

        /// Throws `SimulatorError` naming every problem (by field) when the configuration is unusable.
        ///
        /// Certificates and keys are checked by `APNSSimulator.start`, which loads them.
        package func validate() throws {
            var problems: [String] = []
            if !(0...65535).contains(self.port) { problems.append("port: must be 0...65535, is \(self.port)") }
            if self.maxConcurrentStreams < 1 { problems.append("maxConcurrentStreams: must be at least 1") }
            if self.streamsBeforeFirstAcceptedToken < 1 {
                problems.append("streamsBeforeFirstAcceptedToken: must be at least 1")
            }
            if self.tokenMaxAge <= .zero { problems.append("tokenMaxAge: must be positive") }
            if self.tokenMinRefreshInterval < .zero { problems.append("tokenMinRefreshInterval: must not be negative") }
            if self.deviceTokenHexLength < 1 { problems.append("deviceTokenHexLength: must be at least 1") }
            if let goAway = self.goAwayAfterRequests, goAway < 1 {
                problems.append("goAwayAfterRequests: must be at least 1")
            }
            if self.slowResponseDelay < .zero { problems.append("slowResponseDelay: must not be negative") }
            if self.eventLoopThreads < 1 { problems.append("eventLoopThreads: must be at least 1") }
            for (index, rule) in self.faults.enumerated() {
                if rule.tokenPrefix.isEmpty { problems.append("faults[\(index)].tokenPrefix: must not be empty") }
                if case .delay(let delay) = rule.fault, delay < .zero {
                    problems.append("faults[\(index)].fault: delay must not be negative")
                }
                if case .failFirst(let times, let status, _) = rule.fault {
                    if times < 0 { problems.append("faults[\(index)].fault: failFirst times must not be negative") }
                    // A 2xx "failure" would be counted as rejected while the client sees success.
                    if !(300...599).contains(status) {
                        problems.append("faults[\(index)].fault: failFirst status must be 300...599, is \(status)")
                    }
                }
            }
            guard problems.isEmpty else {
                throw SimulatorError("APNs simulator configuration: " + problems.joined(separator: "; "))
            }
        }
    }
}
