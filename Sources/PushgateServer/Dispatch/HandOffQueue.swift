import NIOConcurrencyHelpers
import PushgateStore

/// Hand-off after commit: deliveries the API stores already leased to this gateway's
/// dispatcher reach it through here, in memory, instead of being read back from the store.
///
/// The API first reserves room (so the dispatcher never holds more than its in-flight bound),
/// stores the deliveries leased, and then hands them over, or cancels the reservation if the
/// store did not take them. Once the dispatcher stops, reservations are refused and what is
/// handed over later is given back to the store by the dispatcher. Before the dispatcher
/// runs (or in a process that runs none) nothing is reserved: every accept is stored queued.
final class HandOffQueue: Sendable {
    private struct State {
        /// Deliveries reserved and not yet taken by the lease loop (committing, or handed over).
        var reserved = 0
        /// Handed over, not yet taken by the lease loop.
        var pending: [LeasedDelivery] = []
        /// Until the dispatcher runs, and again once it stopped.
        var closed = true
    }

    private let state = NIOLockedValueBox(State())

    /// Reserves room for `count` deliveries if `room` (free in-flight slots, reservations not
    /// counted) allows it and the dispatcher still runs.
    func reserve(count: Int, room: Int) -> Bool {
        self.state.withLockedValue { state in
            guard !state.closed, count > 0, state.reserved + count <= room else { return false }
            state.reserved += count
            return true
        }
    }

    func cancel(count: Int) {
        self.state.withLockedValue { $0.reserved -= count }
    }

    var reserved: Int { self.state.withLockedValue { $0.reserved } }

    /// Takes committed deliveries of a reservation of `deliveries.count`. False once closed:
    /// the caller gives them back to the store.
    func put(_ deliveries: [LeasedDelivery]) -> Bool {
        self.state.withLockedValue { state in
            guard !state.closed else {
                state.reserved -= deliveries.count
                return false
            }
            state.pending += deliveries
            return true
        }
    }

    /// What was handed over since the last call; its reservations end (the caller counts it in flight).
    func take() -> [LeasedDelivery] {
        self.state.withLockedValue(Self.drain)
    }

    /// The dispatcher runs: reservations are taken from now on.
    func open() {
        self.state.withLockedValue { $0.closed = false }
    }

    /// Refuses reservations and hand-overs from now on; returns what was handed over and not taken.
    func close() -> [LeasedDelivery] {
        self.state.withLockedValue { state in
            state.closed = true
            return Self.drain(&state)
        }
    }

    /// Empties `pending`, ending its reservations.
    private static func drain(_ state: inout State) -> [LeasedDelivery] {
        defer {
            state.reserved -= state.pending.count
            state.pending.removeAll(keepingCapacity: true)
        }
        return state.pending
    }
}
