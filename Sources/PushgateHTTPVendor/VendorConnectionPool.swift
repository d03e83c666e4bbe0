import NIOConcurrencyHelpers
import NIOCore

/// The keep-alive connections to one vendor origin: at most `limit` open, each lent to one
/// sender at a time, the most recently used first; senders beyond the limit wait in order until
/// a connection is free or their deadline passes.
final class VendorConnectionPool: Sendable {
    /// What a sender gets.
    enum Lease: Sendable {
        case connection(VendorHTTPConnection)
        /// Room for one more connection, counted for this sender: it opens it, then returns it.
        case open
        case timedOut
        case shutDown
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Lease, Never>
        var timeout: Scheduled<Void>?
    }

    private struct Idle {
        var connection: VendorHTTPConnection
        var since: NIODeadline
    }

    private struct State {
        var idle: [Idle] = []
        /// Connecting, lent out or idle.
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isShutDown = false

        /// A free connection, or room to open one; closes what is dead or idle for too long.
        mutating func takeFree(limit: Int, idleTimeout: TimeAmount, now: NIODeadline) -> Lease? {
            if self.isShutDown { return .shutDown }
            while let first = self.idle.first, now - first.since > idleTimeout {
                self.idle.removeFirst()
                self.open -= 1
                first.connection.close()
            }
            while let last = self.idle.popLast() {
                if last.connection.isOpen { return .connection(last.connection) }
                self.open -= 1
            }
            if self.open < limit {
                self.open += 1
                return .open
            }
            return nil
        }
    }

    private let limit: Int
    private let idleTimeout: TimeAmount
    private let timerLoop: any EventLoop
    private let state = NIOLockedValueBox(State())

    init(limit: Int, idleTimeout: TimeAmount, timerLoop: any EventLoop) {
        self.limit = max(1, limit)
        self.idleTimeout = idleTimeout
        self.timerLoop = timerLoop
    }

    /// A connection, room to open one, or why there is none before `deadline`.
    func lease(deadline: NIODeadline) async -> Lease {
        if let lease = self.state.withLockedValue({
            $0.takeFree(limit: self.limit, idleTimeout: self.idleTimeout, now: .now())
        }) {
            return lease
        }
        let id = self.state.withLockedValue { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = self.state.withLockedValue { state -> Lease? in
                    if let lease = state.takeFree(limit: self.limit, idleTimeout: self.idleTimeout, now: .now()) {
                        return lease
                    }
                    // Cancelled before it could be registered: `onCancel` found nothing to resume.
                    if Task.isCancelled { return .timedOut }
                    let timeout = self.timerLoop.scheduleTask(deadline: deadline) {
                        self.resumeWaiter(id, with: .timedOut)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, timeout: timeout))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            self.resumeWaiter(id, with: .timedOut)
        }
    }

    /// Gives a lent connection back: to the first waiter, or to the idle list when `reusable`;
    /// otherwise it is closed and its room goes to the first waiter.
    func release(_ connection: VendorHTTPConnection, reusable: Bool) {
        let handOver = self.state.withLockedValue { state -> (Waiter, Lease)? in
            guard reusable, connection.isOpen, !state.isShutDown else {
                connection.close()
                return self.freeRoom(&state)
            }
            if !state.waiters.isEmpty { return (state.waiters.removeFirst(), .connection(connection)) }
            state.idle.append(Idle(connection: connection, since: .now()))
            return nil
        }
        if let (waiter, lease) = handOver { Self.resume(waiter, with: lease) }
    }

    /// The room counted by `.open` is given back: the connection could not be opened.
    func openFailed() {
        if let (waiter, lease) = self.state.withLockedValue({ self.freeRoom(&$0) }) {
            Self.resume(waiter, with: lease)
        }
    }

    /// Closes idle connections and turns every waiter and later sender away. Lent connections
    /// are closed when they come back.
    func shutdown() {
        let (idle, waiters) = self.state.withLockedValue { state in
            state.isShutDown = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for entry in idle { entry.connection.close() }
        for waiter in waiters { Self.resume(waiter, with: .shutDown) }
    }

    private func freeRoom(_ state: inout State) -> (Waiter, Lease)? {
        state.open -= 1
        guard !state.waiters.isEmpty else { return nil }
        state.open += 1
        return (state.waiters.removeFirst(), .open)
    }

    private func resumeWaiter(_ id: UInt64, with lease: Lease) {
        let waiter = self.state.withLockedValue { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        if let waiter { Self.resume(waiter, with: lease) }
    }

    private static func resume(_ waiter: Waiter, with lease: Lease) {
        waiter.timeout?.cancel()
        waiter.continuation.resume(returning: lease)
    }
}
