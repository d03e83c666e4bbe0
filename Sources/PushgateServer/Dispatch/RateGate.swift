import Foundation
import NIOConcurrencyHelpers

/// One lane's pace (ARCHITECTURE rule 6): a token bucket for deliveries per second and a cap
/// on vendor requests in flight. Waiting is event-driven: a request that finds every slot
/// taken is resumed by the `release` that frees one; one short of tokens takes them on credit
/// and sleeps once, exactly until its turn, so waiters queue in time instead of all waking
/// whenever a token comes back.
final class RateGate: Sendable {
    private struct State {
        var tokens: Double
        var lastRefill: ContinuousClock.Instant
        var inFlight = 0
        /// Requests waiting for a slot, in arrival order.
        var slotWaiters: [(id: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiterID: UInt64 = 0
        /// Waiters `release` handed a slot to, until they see it.
        var granted: Set<UInt64> = []
        /// Times a request slept for tokens (each sleeps at most once).
        var tokenWaits = 0
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

    /// Waits for a request slot and `count` tokens (one per delivery of the request); the
    /// caller must `release()` after the send. A batch larger than the bucket waits for a full
    /// bucket and leaves it in debt, so the average rate still holds. Returns false, holding
    /// nothing, when the task is cancelled while waiting.
    func acquire(count: Int = 1) async -> Bool {
        guard await self.acquireSlot() else { return false }
        // The tokens are taken now, the bucket going into debt if they are not there yet: the
        // next request's wait then starts where this one's ends.
        let wait = self.state.withLockedValue { state -> Duration? in
            let now = ContinuousClock.now
            let elapsed = (now - state.lastRefill).timeInterval
            state.tokens = min(self.perSecond, state.tokens + elapsed * self.perSecond)
            state.lastRefill = now
            let needed = min(Double(count), self.perSecond)
            let short = needed - state.tokens
            state.tokens -= Double(count)
            guard short > 0 else { return nil }
            state.tokenWaits += 1
            return .microseconds(Int64(short / self.perSecond * 1_000_000) + 1)
        }
        guard let wait else { return true }
        do {
            try await Task.sleep(for: wait)
            return true
        } catch {
            // Cancelled: the tokens go back for the requests queued behind this one.
            self.state.withLockedValue { $0.tokens = min(self.perSecond, $0.tokens + Double(count)) }
            self.release()
            return false
        }
    }

    /// Times a request slept for tokens.
    var tokenWaits: Int { self.state.withLockedValue { $0.tokenWaits } }

    /// Frees the slot of a finished request, or hands it straight to the longest waiter.
    func release() {
        let next = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard !state.slotWaiters.isEmpty else {
                state.inFlight -= 1
                return nil
            }
            let waiter = state.slotWaiters.removeFirst()
            state.granted.insert(waiter.id)
            return waiter.continuation
        }
        next?.resume()
    }

    /// Takes a slot, waiting for one if all are in use. False when cancelled before one came.
    private func acquireSlot() async -> Bool {
        let id = self.state.withLockedValue { state -> UInt64? in
            guard state.inFlight >= self.concurrency else {
                state.inFlight += 1
                return nil
            }
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        guard let id else { return true }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = self.state.withLockedValue { state -> Bool in
                    if Task.isCancelled { return true }
                    state.slotWaiters.append((id, continuation))
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.slotWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.slotWaiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
        // Resumed by `release` (the slot is ours) or by cancellation (no slot).
        return self.state.withLockedValue { $0.granted.remove(id) != nil }
    }
}
