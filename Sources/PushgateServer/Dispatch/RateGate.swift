import Foundation
import NIOConcurrencyHelpers

/// One lane's limits (ARCHITECTURE rule 6): a token bucket for deliveries per second and a cap
/// on vendor requests in flight, plus a pause until a vendor's quota resets.
final class RateGate: Sendable {
    private struct State {
        var tokens: Double
        var lastRefill: ContinuousClock.Instant
        var inFlight = 0
        var pausedUntil: Date?
    }

    private let perSecond: Double
    private let concurrency: Int
    private let state: NIOLockedValueBox<State>

    init(perSecond: Double, concurrency: Int) {
        self.perSecond = perSecond
        self.concurrency = concurrency
        // A second's worth of burst.
        self.state = NIOLockedValueBox(State(tokens: perSecond, lastRefill: .now))
    }

    /// Waits for `count` tokens (one per delivery of the request) and a request slot; the caller
    /// must `release()` after the send. A batch larger than the bucket waits for a full bucket
    /// and leaves it in debt, so the average rate still holds. Returns false, holding nothing,
    /// when the task is cancelled while waiting.
    func acquire(count: Int = 1) async -> Bool {
        let needed = min(Double(count), self.perSecond)
        while true {
            if Task.isCancelled { return false }
            let wait: Duration? = self.state.withLockedValue { state in
                let now = ContinuousClock.now
                let elapsed = (now - state.lastRefill).timeInterval
                state.tokens = min(self.perSecond, state.tokens + elapsed * self.perSecond)
                state.lastRefill = now
                guard state.inFlight < self.concurrency else { return .milliseconds(2) }
                guard state.tokens >= needed else {
                    return .microseconds(Int64((needed - state.tokens) / self.perSecond * 1_000_000) + 1)
                }
                state.tokens -= Double(count)
                state.inFlight += 1
                return nil
            }
            guard let wait else { return true }
            try? await Task.sleep(for: wait)
        }
    }

    func release() {
        self.state.withLockedValue { $0.inFlight -= 1 }
    }

    /// The vendor said the app's quota is spent: hold this lane until `until`.
    func pause(until: Date) {
        self.state.withLockedValue { state in
            if state.pausedUntil.map({ $0 < until }) ?? true { state.pausedUntil = until }
        }
    }

    /// The end of a pause still in force.
    func pausedUntil(now: Date) -> Date? {
        self.state.withLockedValue { state in
            guard let until = state.pausedUntil, until > now else { return nil }
            return until
        }
    }
}
