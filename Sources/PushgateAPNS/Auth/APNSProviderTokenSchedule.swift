import Foundation

/// When a signing key mints a provider token and which token a connection sends: the
/// discipline of `APNSConfiguration.ProviderTokens`, without I/O or signing, so hours of it
/// are tested in microseconds. `APNSProviderTokenSource` holds one per key and signs what it
/// asks for.
struct APNSProviderTokenSchedule: Sendable {
    enum Action: Sendable, Hashable {
        /// Send this token (it may be the one the connection already holds).
        case use(APNSProviderToken)
        /// Sign a token issued at this time, record it with `minted`, and send it.
        case mint(issuedAt: Date)
    }

    let policy: APNSConfiguration.ProviderTokens
    /// The last token minted: what connections move to.
    private(set) var newest: APNSProviderToken?
    /// After `TooManyProviderTokenUpdates`, nothing is minted before this (unless a token expired).
    private(set) var mintingHeldUntil: Date?
    /// APNs answered `ExpiredProviderToken` for tokens issued up to this time: they are dead.
    private(set) var expiredThrough: Date?

    init(policy: APNSConfiguration.ProviderTokens) {
        self.policy = policy
    }

    /// Whether a connection holding `token` keeps it without asking for another.
    func keeps(_ token: APNSProviderToken, now: Date) -> Bool {
        token.age(at: now) < self.policy.switchAfter && !self.isExpired(token)
    }

    /// The token a connection holding `held` (nil: a new connection) sends now.
    func next(holding held: APNSProviderToken?, now: Date) -> Action {
        if let held, self.keeps(held, now: now) { return .use(held) }
        // A connection takes only a token younger than `rotateAfter`, so it keeps it at least
        // `switchAfter - rotateAfter` (≥ 20 minutes) before it moves on.
        if let newest, !self.isExpired(newest), newest.age(at: now) < self.policy.rotateAfter {
            return .use(newest)
        }
        // The newest token is dead: mint its replacement once, whatever the hold says.
        if let newest, self.isExpired(newest) { return .mint(issuedAt: now) }
        if let heldUntil = self.mintingHeldUntil, now < heldUntil, let fallback = held ?? self.newest {
            return .use(fallback)
        }
        return .mint(issuedAt: now)
    }

    /// A token signed after `.mint`: every connection moves to it when its own is old enough.
    mutating func minted(_ token: APNSProviderToken) {
        self.newest = token
    }

    /// APNs counts our tokens as too many updates: mint nothing for `tooManyUpdatesBackoff`;
    /// a new token would only make it worse.
    mutating func rejectedTooManyUpdates(now: Date) {
        let until = now.addingTimeInterval(self.policy.tooManyUpdatesBackoff.timeInterval)
        self.mintingHeldUntil = max(self.mintingHeldUntil ?? until, until)
    }

    /// APNs says `token` expired: the next connection that needs a token mints one, once (the
    /// answers for other requests that carried the same token change nothing more).
    mutating func rejectedExpired(_ token: APNSProviderToken) {
        self.expiredThrough = max(self.expiredThrough ?? token.issuedAt, token.issuedAt)
    }

    private func isExpired(_ token: APNSProviderToken) -> Bool {
        guard let expiredThrough else { return false }
        return token.issuedAt <= expiredThrough
    }
}
