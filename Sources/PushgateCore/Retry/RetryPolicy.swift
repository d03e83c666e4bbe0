import Foundation

/// What to do after an attempt (ARCHITECTURE rule 6): exponential backoff with jitter,
/// the vendor's `Retry-After` honoured, an attempt budget, and the TTL as the deadline.
package struct RetryPolicy: Sendable, Hashable {
    package var maxAttempts: Int
    package var initialBackoff: Duration
    package var maxBackoff: Duration
    /// Push types whose ambiguous attempts are retried (with the delivery's stable identity);
    /// for the others an ambiguous attempt is final and reported as `ambiguous`.
    package var resendAmbiguous: Set<Notification.PushType>

    /// Alerts only: a resent alert carries the same collapse id and replaces itself on the
    /// device, while APNs does not deduplicate by `apns-id`, so a second background, VoIP or
    /// Live Activity push would wake the app or ring again.
    package static let defaultResendAmbiguous: Set<Notification.PushType> = [.alert]

    package init(
        maxAttempts: Int = 8, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(600),
        resendAmbiguous: Set<Notification.PushType> = RetryPolicy.defaultResendAmbiguous
    ) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.resendAmbiguous = resendAmbiguous
    }

    /// Where a delivery ends up.
    package enum Final: String, Sendable, Hashable {
        case delivered, failed, invalidToken, expired
        /// The budget ran out and the last attempt was ambiguous: the vendor may have it.
        case ambiguous
    }

    package enum Decision: Sendable, Hashable {
        case finish(Final)
        /// Try again at this time.
        case retry(at: Date)
    }

    /// - Parameters:
    ///   - attempts: attempts made, this one included.
    ///   - random: a value in 0..<1 for jitter (injected so tests are exact).
    package func decide(
        after outcome: DeliveryOutcome,
        attempts: Int,
        now: Date,
        expiresAt: Date?,
        random: Double = Double.random(in: 0..<1)
    ) -> Decision {
        var minimumDelay: Duration = .zero
        switch outcome {
        case .delivered:
            return .finish(.delivered)
        case .invalidToken:
            return .finish(.invalidToken)
        case .permanent:
            return .finish(.failed)
        case .retryable(let after, _):
            minimumDelay = after ?? .zero
        case .authRefresh:
            // The adapter refreshed its credentials; try again at once (within the budget).
            return self.retry(after: .zero, attempts: attempts, now: now, expiresAt: expiresAt, ambiguous: false)
        case .quotaExhausted(let until):
            let wait = until.map { max(0, $0.timeIntervalSince(now)) } ?? 3600
            minimumDelay = .milliseconds(Int64(wait * 1000))
        case .ambiguous:
            break
        }
        let backoff = self.backoff(attempts: attempts, random: random)
        return self.retry(
            after: max(backoff, minimumDelay),
            attempts: attempts,
            now: now,
            expiresAt: expiresAt,
            ambiguous: outcome.kind == .ambiguous
        )
    }

    /// After a send that never reached the vendor: again after the backoff of the attempts
    /// made so far (at least the first step) or the stage's own delay, until the TTL; the
    /// attempt budget is not touched, since the vendor saw nothing.
    package func decideNotSent(
        after outcome: DeliveryOutcome,
        attempts: Int,
        now: Date,
        expiresAt: Date?,
        random: Double = Double.random(in: 0..<1)
    ) -> Decision {
        var delay = self.backoff(attempts: max(1, attempts), random: random)
        if case .retryable(let after?, _) = outcome { delay = max(delay, after) }
        let at = now.addingTimeInterval(delay.timeInterval)
        if let expiresAt, at >= expiresAt { return .finish(.expired) }
        return .retry(at: at)
    }

    private func retry(after delay: Duration, attempts: Int, now: Date, expiresAt: Date?, ambiguous: Bool) -> Decision {
        guard attempts < self.maxAttempts else { return .finish(ambiguous ? .ambiguous : .failed) }
        let at = now.addingTimeInterval(delay.timeInterval)
        if let expiresAt, at >= expiresAt { return .finish(ambiguous ? .ambiguous : .expired) }
        return .retry(at: at)
    }

    /// `initial × 2^(attempts−1)`, capped, with "equal jitter": half fixed, half random, so
    /// retries after a shared outage spread out but never come sooner than half the backoff.
    package func backoff(attempts: Int, random: Double) -> Duration {
        let exponent = min(max(attempts - 1, 0), 30)
        let base = min(self.initialBackoff.timeInterval * pow(2, Double(exponent)), self.maxBackoff.timeInterval)
        let jittered = base / 2 + base / 2 * min(max(random, 0), 1)
        return .milliseconds(Int64(jittered * 1000))
    }
}
