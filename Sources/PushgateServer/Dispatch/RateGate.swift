import Foundation
import NIOConcurrencyHelpers

/// One lane's pace (ARCHITECTURE rule 6): a token bucket for deliveries per second and a cap
/// on vendor requests in flight. Waiting is event-driven: a request that finds every slot
/// taken is resumed by the `release` that frees one; one short of tokens sleeps exactly until
/// they have refilled.
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
        let needed = min(Double(count), self.perSecond)
        while true {
            if Task.isCancelled {
                self.release()
                return false
            }
            let wait: Duration? = self.state.withLockedValue { state in
                let now = ContinuousClock.now
                let elapsed = (now - state.lastRefill).timeInterval
                state.tokens = min(self.perSecond, state.tokens + elapsed * self.perSecond)
                state.lastRefill = now
                guard state.tokens >= needed else {
                    return .microseconds(Int64((needed - state.tokens) / self.perSecond * 1_000_000) + 1)
                }
                state.tokens -= Double(count)
                return nil
            }
            guard let wait else { return true }
            try? await Task.sleep(for: wait)
        }
    }

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
