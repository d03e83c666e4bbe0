import Foundation
import NIOConcurrencyHelpers

/// Per app+vendor limits (ARCHITECTURE rule 6): a token bucket for sends per second and a
/// cap on sends in flight, plus a pause until a vendor's quota resets.
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

    /// Waits for a token and a free slot; the caller must `release()` after the send.
    /// Returns false, holding nothing, when the task is cancelled while waiting.
    func acquire() async -> Bool {
        while true {
            if Task.isCancelled { return false }
            let wait: Duration? = self.state.withLockedValue { state in
                let now = ContinuousClock.now
                let elapsed = (now - state.lastRefill).timeInterval
                state.tokens = min(self.perSecond, state.tokens + elapsed * self.perSecond)
                state.lastRefill = now
                guard state.inFlight < self.concurrency else { return .milliseconds(2) }
                guard state.tokens >= 1 else {
                    return .microseconds(Int64((1 - state.tokens) / self.perSecond * 1_000_000) + 1)
                }
                state.tokens -= 1
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

    /// The vendor said the app's quota is spent: hold this app+vendor until `until`.
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
