import NIOConcurrencyHelpers

/// The tokens each signing key has had accepted, across every connection of one simulator: the per-key half of
/// `ProviderTokenRule.perConnectionAndKey`.
///
/// Keyed by the token string, not its `iat`: two tokens signed in the same second are two tokens (ECDSA signatures
/// differ), which is exactly what a client minting one token per connection at start-up sends.
final class APNSKeyTokenLedger: Sendable {
    private struct Admitted {
        var token: String
        var issuedAt: Int64
    }

    private let admitted = NIOLockedValueBox<[String: [Admitted]]>([:])

    /// Whether `token` (verified, with `claims`) may be used: true when the key already issued it, or when it was
    /// issued at least `minimumInterval` seconds from every other live token of the key. Records it if so.
    func admit(
        _ token: Substring,
        claims: ProviderTokenVerifier.Claims,
        now: Int64,
        policy: APNSConnectionAuthState.Policy
    ) -> Bool {
        self.admitted.withLockedValue { admitted in
            var tokens = admitted[claims.keyID, default: []]
            // Tokens past their age cannot be used any more and no longer count.
            tokens.removeAll { now - $0.issuedAt > policy.maximumAge }
            defer { admitted[claims.keyID] = tokens }
            if tokens.contains(where: { $0.token == token }) { return true }
            if tokens.contains(where: { abs(claims.issuedAt - $0.issuedAt) < policy.minimumRefreshInterval }) {
                return false
            }
            tokens.append(Admitted(token: String(token), issuedAt: claims.issuedAt))
            return true
        }
    }
}
