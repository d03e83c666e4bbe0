import Crypto
import NIOConcurrencyHelpers

/// The simulator's counters and the accepted apns-ids, shared by all event loops behind one lock.
///
/// Each request takes the lock once for its outcome; at 40k requests a second on two cores that is not a bottleneck.
final class APNSCounterStore: Sendable {
    private struct State: Sendable {
        var counters = APNSSimulator.Counters()
        /// apns-id → times accepted. Ids are stored as 128-bit values, so lookups ignore case.
        var acceptedIDs: [APNSID: Int] = [:]
        /// SHA-256 of each distinct provider token verified; the tokens themselves are not kept.
        var seenTokens: Set<SHA256Digest> = []
        /// apns-id → requests seen so far under a `failFirst` fault.
        var failFirstSeen: [APNSID: Int] = [:]
    }

    private let state = NIOLockedValueBox(State())

    func snapshot() -> APNSSimulator.Counters {
        self.state.withLockedValue { $0.counters }
    }

    /// Clears everything and returns the counters as they were.
    @discardableResult
    func reset() -> APNSSimulator.Counters {
        self.state.withLockedValue { state in
            let previous = state.counters
            state = State()
            return previous
        }
    }

    /// Counts a request for `id` under a `failFirst(times:…)` fault; true while it is among the first `times`.
    func failFirstShouldFail(_ id: APNSID, times: Int) -> Bool {
        self.state.withLockedValue { state in
            let seen = (state.failFirstSeen[id] ?? 0) + 1
            state.failFirstSeen[id] = seen
            return seen <= times
        }
    }

    func acceptedCount(_ id: APNSID) -> Int {
        self.state.withLockedValue { $0.acceptedIDs[id] ?? 0 }
    }

    func recordAccepted(_ id: APNSID) {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.accepted += 1
            let previous = state.acceptedIDs.updateValue((state.acceptedIDs[id] ?? 0) + 1, forKey: id)
            if previous != nil {
                state.counters.duplicateAPNSIDs += 1
            }
        }
    }

    /// An `accepted` that comes after a delay whose request was already counted by `recordDelayed`.
    func recordDelayedAccepted(_ id: APNSID) {
        self.state.withLockedValue { state in
            state.counters.accepted += 1
            let previous = state.acceptedIDs.updateValue((state.acceptedIDs[id] ?? 0) + 1, forKey: id)
            if previous != nil {
                state.counters.duplicateAPNSIDs += 1
            }
        }
    }

    func recordDelayed() {
        self.state.withLockedValue { $0.counters.requests += 1 }
    }

    func recordRejected(_ reason: String) {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.rejected[reason, default: 0] += 1
        }
    }

    func recordDroppedConnection() {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.droppedConnections += 1
        }
    }

    func recordUnanswered() {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.unanswered += 1
        }
    }

    func recordRefusedStream() {
        self.state.withLockedValue { state in
            state.counters.requests += 1
            state.counters.refusedStreams += 1
        }
    }

    func recordConnectionOpened() {
        self.state.withLockedValue { $0.counters.connectionsOpened += 1 }
    }

    func recordGoAwaySent() {
        self.state.withLockedValue { $0.counters.goAwaysSent += 1 }
    }

    /// A connection verified `token` (new to it) and possibly switched to it.
    func recordTokenVerified(_ token: Substring) {
        let digest = SHA256.hash(data: Array(token.utf8))
        self.state.withLockedValue { state in
            if state.seenTokens.insert(digest).inserted {
                state.counters.providerTokensSeen += 1
            }
        }
    }

    func recordTokenChange() {
        self.state.withLockedValue { $0.counters.providerTokenChanges += 1 }
    }
}
