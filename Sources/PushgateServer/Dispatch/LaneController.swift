import Foundation
import NIOConcurrencyHelpers
import PushgateCore

/// One lane at run time: its rate gate, its health (`LaneStateMachine`) and how many of its
/// deliveries the dispatcher holds in memory. A lane that holds enough work, or is paused, is
/// left out of the next lease so that it cannot crowd other lanes out of the dispatcher.
final class LaneController: Sendable {
    let lane: Lane
    let gate: RateGate
    /// Deliveries held before this lane stops taking more from the store: a second of its rate
    /// (at least a few batches, at most the dispatcher's in-flight limit). A fast lane keeps the
    /// dispatcher's whole pipeline; a slow one cannot fill it with work that only waits.
    let holdLimit: Int
    private let state: NIOLockedValueBox<(machine: LaneStateMachine, held: Int)>

    init(lane: Lane, policy: Dispatcher.LanePolicy, maxBatchSize: Int, maxInFlight: Int) {
        self.lane = lane
        self.gate = RateGate(perSecond: policy.perSecond, concurrency: policy.concurrency)
        let second = Int(min(policy.perSecond, Double(maxInFlight)))
        self.holdLimit = max(1, min(max(second, 4 * maxBatchSize), maxInFlight))
        self.state = NIOLockedValueBox((LaneStateMachine(settings: policy.health), 0))
    }

    func admit(now: Date) -> (LaneStateMachine.Admission, LaneStateMachine.Transition?) {
        self.state.withLockedValue { $0.machine.admit(now: now) }
    }

    func finished(_ signal: LaneStateMachine.Signal, wasProbe: Bool, now: Date) -> LaneStateMachine.Transition? {
        let random = Double.random(in: 0..<1)
        return self.state.withLockedValue { $0.machine.finished(signal, wasProbe: wasProbe, now: now, random: random) }
    }

    /// Until when the lane takes no work from the store (paused, or holding enough); nil when it does.
    func leaseBlockedUntil(now: Date) -> Date? {
        self.state.withLockedValue { state in
            if let until = state.machine.leaseBlockedUntil(now: now) { return until }
            // Full: it takes more when one of its sends finishes (the dispatcher wakes then).
            return state.held >= self.holdLimit ? .distantFuture : nil
        }
    }

    var stateName: String { self.state.withLockedValue { $0.machine.stateName } }

    func hold(_ count: Int) { self.state.withLockedValue { $0.held += count } }

    /// Returns whether the lane was full (left out of leases) and now takes work again.
    func unhold(_ count: Int) -> Bool {
        self.state.withLockedValue { state in
            let wasFull = state.held >= self.holdLimit
            state.held -= count
            return wasFull && state.held < self.holdLimit
        }
    }
}
