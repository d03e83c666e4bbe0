/// The provider-token rules of one APNs connection (VENDORS.md A5), without I/O so they can be tested alone.
///
/// - The first accepted token binds the connection to its team; another team later is `InvalidProviderToken`.
/// - A token's signature is verified once per connection and cached: the current token, and the last other token seen
///   (so a client repeating a refused token does not cost an ECDSA verification per request).
/// - `iat` older than `maximumAge` is `ExpiredProviderToken`, also for the cached current token as time passes.
/// - Switching to a different token whose `iat` is less than `minimumRefreshInterval` after the current token's is
///   `TooManyProviderTokenUpdates`; the connection keeps its current token.
/// - With a key ledger (`ProviderTokenRule.perConnectionAndKey`), a token new to the whole simulator whose `iat` is
///   less than `minimumRefreshInterval` from another live token of the same key is `TooManyProviderTokenUpdates` too.
struct APNSConnectionAuthState: Sendable {
    struct Policy: Sendable {
        /// Seconds after `iat` during which a token is accepted.
        var maximumAge: Int64 = 3600
        /// Seconds that must separate the `iat`s of two consecutive tokens on one connection.
        var minimumRefreshInterval: Int64 = 1200
    }

    enum Decision: Sendable, Equatable {
        /// The token is good; `changedToken` when the connection switched to it from another one.
        case accepted(changedToken: Bool)
        case rejected(APNSRejection)
    }

    private(set) var boundTeamID: String?
    private(set) var currentToken: String?
    private(set) var currentClaims: ProviderTokenVerifier.Claims?
    private var lastOtherToken:
        (token: String, result: Result<ProviderTokenVerifier.Claims, ProviderTokenVerifier.Failure>)?

    init() {}

    /// Decides one request's `authorization` token. `now` is in seconds since the epoch.
    ///
    /// `verified` is true when this call ran the verifier (a token string new to this connection). `keyLedger` is the
    /// simulator-wide record of each key's tokens, when the rule is also applied per key.
    mutating func authorize(
        token: Substring,
        now: Int64,
        verifier: ProviderTokenVerifier,
        policy: Policy,
        keyLedger: APNSKeyTokenLedger? = nil
    ) -> (decision: Decision, verified: Bool) {
        if let currentToken, let currentClaims, token == currentToken {
            if now - currentClaims.issuedAt > policy.maximumAge {
                return (.rejected(.expiredProviderToken), false)
            }
            return (.accepted(changedToken: false), false)
        }

        let result: Result<ProviderTokenVerifier.Claims, ProviderTokenVerifier.Failure>
        var verified = false
        if let lastOtherToken, token == lastOtherToken.token {
            result = lastOtherToken.result
        } else {
            result = verifier.verify(token)
            verified = true
            self.lastOtherToken = (String(token), result)
        }

        let claims: ProviderTokenVerifier.Claims
        switch result {
        case .failure(let failure):
            return (.rejected(failure.rejection), verified)
        case .success(let value):
            claims = value
        }
        if let boundTeamID, claims.teamID != boundTeamID {
            return (.rejected(.invalidProviderToken), verified)
        }
        if now - claims.issuedAt > policy.maximumAge {
            return (.rejected(.expiredProviderToken), verified)
        }
        if let currentClaims, claims.issuedAt - currentClaims.issuedAt < policy.minimumRefreshInterval {
            return (.rejected(.tooManyProviderTokenUpdates), verified)
        }
        if let keyLedger, !keyLedger.admit(token, claims: claims, now: now, policy: policy) {
            return (.rejected(.tooManyProviderTokenUpdates), verified)
        }

        let changed = self.currentToken != nil
        self.boundTeamID = self.boundTeamID ?? claims.teamID
        self.currentToken = String(token)
        self.currentClaims = claims
        self.lastOtherToken = nil
        return (.accepted(changedToken: changed), verified)
    }
}
