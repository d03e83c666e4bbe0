import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PushgateCore

/// A few long-lived connections to one endpoint with one set of credentials (ARCHITECTURE
/// rule 7). Spreads requests round-robin, opens connections on first use, replaces retired
/// ones, and backs off reconnecting to an endpoint that keeps failing.
final class APNSConnectionPool: Sendable {
    private enum Slot {
        case empty
        case active(APNSConnection)
        case backoff(until: NIODeadline, error: APNSTransportError)
    }

    private struct State {
        var slots: [Slot]
        var backoffDelays: [TimeAmount]
        var next = 0
        var nextConnectionID = 0
        /// Every connection not yet closed, draining ones included, for shutdown.
        var live: [ObjectIdentifier: APNSConnection] = [:]
        var isShutDown = false
    }

    private let settings: APNSConnectionSettings
    private let eventLoops: [any EventLoop]
    private let backoffInitial: TimeAmount
    private let backoffMaximum: TimeAmount
    private let state: NIOLockedValueBox<State>

    init(settings: APNSConnectionSettings, pool: APNSConfiguration.Pool, eventLoopGroup: any EventLoopGroup) {
        self.settings = settings
        let count = max(1, pool.connections)
        // One connection per event loop where there are enough loops (NIO-HTTP2-NOTES.md).
        var loops: [any EventLoop] = []
        var iterator = eventLoopGroup.makeIterator()
        for _ in 0..<count {
            if let loop = iterator.next() {
                loops.append(loop)
            } else {
                iterator = eventLoopGroup.makeIterator()
                loops.append(iterator.next() ?? eventLoopGroup.next())
            }
        }
        self.eventLoops = loops
        self.backoffInitial = TimeAmount(pool.reconnectBackoffInitial)
        self.backoffMaximum = TimeAmount(pool.reconnectBackoffMaximum)
        self.state = NIOLockedValueBox(
            State(
                slots: Array(repeating: .empty, count: count),
                backoffDelays: Array(repeating: .zero, count: count)
            ))
    }

    /// Sends a request; the future fails only with `APNSTransportError`.
    func submit(_ request: APNSRequest) -> EventLoopFuture<APNSResponse> {
        let deadline = NIODeadline.now() + TimeAmount(self.settings.timeouts.request)
        switch self.pickConnection(excluding: nil) {
        case .success(let connection):
            let pending = APNSPendingRequest(
                request: request,
                promise: connection.eventLoop.makePromise(),
                deadline: deadline
            )
            Self.hand(pending, to: connection)
            return pending.promise.futureResult
        case .failure(let error):
            return self.eventLoops[0].makeFailedFuture(error)
        }
    }

    /// Gives a not-sent request to another connection, or fails it when its budget, its
    /// deadline or the pool is spent.
    func resubmit(
        _ pending: APNSPendingRequest,
        from connection: APNSConnection,
        failure: APNSTransportError,
        countsAsResend: Bool = true
    ) {
        guard !pending.isCompleted else { return }
        if countsAsResend { pending.resends += 1 }
        guard pending.resends <= self.settings.maxTransparentRetries, NIODeadline.now() < pending.deadline else {
            pending.fail(failure)
            return
        }
        switch self.pickConnection(excluding: connection) {
        case .success(let next):
            Self.hand(pending, to: next)
        case .failure(let error):
            pending.fail(error)
        }
    }

    private static func hand(_ pending: APNSPendingRequest, to connection: APNSConnection) {
        if connection.eventLoop.inEventLoop {
            connection.enqueue(pending)
        } else {
            connection.eventLoop.execute { connection.enqueue(pending) }
        }
    }

    private func pickConnection(excluding excluded: APNSConnection?) -> Result<APNSConnection, APNSTransportError> {
        let now = NIODeadline.now()
        let (picked, created): (Result<APNSConnection, APNSTransportError>, APNSConnection?) = self.state
            .withLockedValue { state in
                if state.isShutDown {
                    return (.failure(APNSTransportError(stage: .queued, detail: "the APNs adapter is shut down")), nil)
                }
                // A caller already on a connection's event loop (a completion callback sending the
                // next request) stays there: no thread hop, the cheapest path in NIO-HTTP2-NOTES.md.
                if excluded == nil {
                    for slot in state.slots {
                        if case .active(let connection) = slot, connection.eventLoop.inEventLoop {
                            return (.success(connection), nil)
                        }
                    }
                }
                var earliestRetry: (until: NIODeadline, error: APNSTransportError)?
                let count = state.slots.count
                for offset in 0..<count {
                    let index = (state.next + offset) % count
                    switch state.slots[index] {
                    case .active(let connection) where connection !== excluded:
                        state.next = (index + 1) % count
                        return (.success(connection), nil)
                    case .active:
                        continue
                    case .backoff(let until, let error) where until > now:
                        if let earliest = earliestRetry, earliest.until <= until { continue }
                        earliestRetry = (until, error)
                        continue
                    case .empty, .backoff:
                        let connection = APNSConnection(
                            id: state.nextConnectionID,
                            slot: index,
                            eventLoop: self.eventLoops[index],
                            settings: self.settings,
                            pool: self
                        )
                        state.nextConnectionID += 1
                        state.slots[index] = .active(connection)
                        state.live[ObjectIdentifier(connection)] = connection
                        state.next = (index + 1) % count
                        return (.success(connection), connection)
                    }
                }
                if let earliestRetry {
                    var error = earliestRetry.error
                    let wait = earliestRetry.until - now
                    error.retryAfter = .nanoseconds(wait.nanoseconds)
                    return (.failure(error), nil)
                }
                // Only the excluded connection is usable: let it take the request again.
                if let excluded, case .ready = excluded.state {
                    return (.success(excluded), nil)
                }
                return (.failure(APNSTransportError(stage: .queued, detail: "no APNs connection available")), nil)
            }
        if let created {
            created.eventLoop.execute { created.start() }
        }
        return picked
    }

    /// Whether `connection` still serves its slot (not yet retired or replaced).
    private func holdsSlot(_ connection: APNSConnection, in state: State) -> Bool {
        if case .active(let current) = state.slots[connection.slot] { return current === connection }
        return false
    }

    func connectionDelivered(_ connection: APNSConnection) {
        self.state.withLockedValue { state in
            state.backoffDelays[connection.slot] = .zero
        }
    }

    func connectionFailedToConnect(_ connection: APNSConnection, error: APNSTransportError) {
        self.state.withLockedValue { state in
            state.live[ObjectIdentifier(connection)] = nil
            guard self.holdsSlot(connection, in: state) else { return }
            self.backOff(slot: connection.slot, error: error, state: &state)
        }
    }

    /// The connection takes no new requests: its slot gets a new connection on next use.
    func connectionRetired(_ connection: APNSConnection) {
        self.state.withLockedValue { state in
            if self.holdsSlot(connection, in: state) {
                state.slots[connection.slot] = .empty
            }
        }
    }

    /// A connection that never had a push accepted counts as a failure for backoff: APNs
    /// treats rapid reconnects as abuse (VENDORS.md A6).
    func connectionClosed(_ connection: APNSConnection, healthy: Bool) {
        self.state.withLockedValue { state in
            state.live[ObjectIdentifier(connection)] = nil
            if self.holdsSlot(connection, in: state) {
                state.slots[connection.slot] = .empty
            }
            guard !healthy, case .empty = state.slots[connection.slot] else { return }
            self.backOff(
                slot: connection.slot,
                error: APNSTransportError(
                    stage: .connect, detail: "APNs closed the connection before accepting a push"),
                state: &state
            )
        }
    }

    /// The first failure reconnects at once; later ones wait `initial`, doubling to `maximum`.
    private func backOff(slot index: Int, error: APNSTransportError, state: inout State) {
        let delay = state.backoffDelays[index]
        state.slots[index] = .backoff(until: .now() + delay, error: error)
        state.backoffDelays[index] = delay == .zero ? self.backoffInitial : min(delay * 2, self.backoffMaximum)
    }

    /// Snapshots of the connections not yet closed.
    func snapshots() async -> [APNSConnection.Snapshot] {
        let connections = self.state.withLockedValue { Array($0.live.values) }
        var snapshots: [APNSConnection.Snapshot] = []
        for connection in connections {
            if let snapshot = try? await connection.snapshot().get() { snapshots.append(snapshot) }
        }
        return snapshots.sorted { $0.id < $1.id }
    }

    /// Stops taking requests, lets in-flight ones finish within the grace period, closes all.
    func shutdown() async {
        let connections = self.state.withLockedValue { state in
            state.isShutDown = true
            return Array(state.live.values)
        }
        let deadline = NIODeadline.now() + TimeAmount(self.settings.timeouts.shutdownGrace)
        for connection in connections {
            try? await connection.shutdown(deadline: deadline).get()
        }
    }
}
