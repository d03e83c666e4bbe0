import Foundation

/// The provider tokens of one connection: the one it sends, and the one before it, to go back
/// to when APNs refuses the change. Pure; the connection asks `APNSProviderTokenSource` only
/// when it must move on.
struct APNSConnectionTokens: Sendable {
    /// APNs refuses tokens older than an hour; a token this close to it is not gone back to.
    static let fallbackAgeLimit: Duration = .seconds(58 * 60)

    private(set) var current: APNSProviderToken?
    private(set) var previous: APNSProviderToken?
    /// After `TooManyProviderTokenUpdates`, the connection keeps its token until then.
    private(set) var switchesHeldUntil: Date?

    /// The token to send now. The fast path (a young enough token) takes no lock.
    mutating func token(now: Date, source: APNSProviderTokenSource) -> APNSProviderToken? {
        if let current {
            if let heldUntil = self.switchesHeldUntil, now < heldUntil { return current }
            // An expired token is not checked here: the connection that hears of it retires,
            // and the others hear of it on their next answer.
            if current.age(at: now) < source.policy.switchAfter { return current }
        }
        guard let next = source.token(holding: self.current, now: now) else { return self.current }
        if next != self.current {
            self.previous = self.current
            self.current = next
        }
        return next
    }

    /// APNs refused `token` as one update too many: go back to the previous token if it is
    /// still young enough (APNs keeps a connection's token when it refuses the change), and
    /// change nothing for `backoff`.
    mutating func rejectedTooManyUpdates(_ token: APNSProviderToken?, now: Date, backoff: Duration) {
        if let token, token == self.current, let previous, previous.age(at: now) < Self.fallbackAgeLimit {
            self.current = previous
            self.previous = nil
        }
        self.switchesHeldUntil = now.addingTimeInterval(backoff.timeInterval)
    }
}
