import Logging
import NIOConcurrencyHelpers
import NIOCore
import SQLiteNIO

/// The one connection that writes, and the queue in front of it.
///
/// STORE-NOTES measured two SQLite writers starving each other (a 747 ms lock wait), so every
/// write of the store — accept, lease, record, release, cancel, webhooks, purge — is a job on
/// this queue, run one at a time by a single loop. Concurrent `accept`s are taken together and
/// committed in one transaction (group commit: one fsync answers many 202s), and WAL
/// checkpoints run here, between jobs, after the callers have been answered.
final class SQLiteWriter: AcceptQueue {
    struct Settings: Sendable {
        var maxBatch: Int
        var maxDelay: TimeAmount
        var checkpointEvery: Int
        /// Bounds of the accept queue: beyond either, an accept is refused at once
        /// (`StoreError.overloaded`) instead of growing memory while the disk falls behind.
        var maxQueuedAccepts: Int
        var maxQueuedBytes: Int
        /// Longest an accept waits in the queue; past it, it is answered `overloaded` and never
        /// written. Once taken into a transaction, it waits for that transaction's end.
        var queueTimeout: TimeAmount
    }

    /// A write other than an accept. It runs on the writer connection and answers its caller
    /// itself (the closure captures the caller's continuation).
    typealias Operation = @Sendable (SQLiteConnection) async -> Void

    private struct State {
        var accepts = CircularBuffer<SQLiteAcceptBatch.Pending>()
        /// Estimated memory held by `accepts`.
        var queuedBytes = 0
        var operations: [Operation] = []
        /// The loop, parked because both queues were empty.
        var idleWaiter: CheckedContinuation<Void, Never>?
        /// The loop, waiting a little for more accepts to fill a batch.
        var batchWaiter: BatchWaiter?
        var nextBatchWaiterID = 0
        /// Set by `finish()`: no new jobs; the loop drains what is queued and ends.
        var closing = false
    }

    private struct BatchWaiter {
        var id: Int
        /// Wake as soon as this many accepts are queued.
        var target: Int
        var continuation: CheckedContinuation<Void, Never>
    }

    private enum Enqueued {
        case rejected
        case queued(wake: CheckedContinuation<Void, Never>?)
    }

    private enum Work {
        case accepts
        case operation(Operation)
    }

    /// What the writer did since open, for tests and gauges.
    struct Statistics: Sendable, Hashable {
        /// Group commits (transactions holding at least one submission).
        var acceptBatches = 0
        /// Submissions taken into those batches (accepted, replayed, refused or failed).
        var acceptSubmissions = 0
        /// Largest batch so far.
        var largestAcceptBatch = 0
        /// Other writer jobs run.
        var operations = 0
        var checkpoints = 0
    }

    let connection: SQLiteConnection
    private let state = NIOLockedValueBox(State())
    private let statisticsBox = NIOLockedValueBox(Statistics())

    var statistics: Statistics { self.statisticsBox.withLockedValue { $0 } }
    private let settings: Settings
    private let admission: AcceptAdmission
    private let eventLoop: any EventLoop
    private let logger: Logger
    /// Called after a batch that stored queued work (not leased at insert) committed.
    private let onAccepted: @Sendable () -> Void

    init(
        connection: SQLiteConnection,
        settings: Settings,
        eventLoop: any EventLoop,
        logger: Logger,
        onAccepted: @escaping @Sendable () -> Void
    ) {
        self.connection = connection
        self.settings = settings
        self.admission = AcceptAdmission(
            maxQueuedAccepts: settings.maxQueuedAccepts, maxQueuedBytes: settings.maxQueuedBytes,
            queueTimeout: settings.queueTimeout, waitingFor: "the disk")
        self.eventLoop = eventLoop
        self.logger = logger
        self.onAccepted = onAccepted
    }

    // MARK: Submitting work

    /// Queues what fits within the queue's bounds, refuses the rest at once, and wakes the loop.
    func enqueue(_ entries: [(PreparedSubmission, AcceptReply)]) {
        let (wake, refused): ([CheckedContinuation<Void, Never>], [(AcceptReply, StoreError)]) =
            self.state.withLockedValue { state in
                let refused = self.admission.admit(
                    entries, to: &state.accepts, bytes: &state.queuedBytes, closing: state.closing)
                var wake: [CheckedContinuation<Void, Never>] = []
                if let idle = state.idleWaiter, !state.accepts.isEmpty {
                    state.idleWaiter = nil
                    wake.append(idle)
                }
                if let batch = state.batchWaiter, state.accepts.count >= batch.target {
                    state.batchWaiter = nil
                    wake.append(batch.continuation)
                }
                return (wake, refused)
            }
        for waiter in wake { waiter.resume() }
        for (reply, refusal) in refused { reply.resume(throwing: refusal) }
    }

    /// Runs `body` on the writer connection, after the jobs queued before it, and returns its
    /// result. `body` owns its transaction: it must commit or roll back before returning.
    func perform<Result: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (SQLiteConnection) async throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            let job: Operation = { connection in
                do {
                    continuation.resume(returning: try await body(connection))
                } catch {
                    continuation.resume(throwing: StoreError.wrapping(error, context: operation))
                }
            }
            let enqueued: Enqueued = self.state.withLockedValue { state in
                guard !state.closing else { return .rejected }
                state.operations.append(job)
                let idle = state.idleWaiter
                state.idleWaiter = nil
                return .queued(wake: idle)
            }
            switch enqueued {
            case .rejected: continuation.resume(throwing: StoreError.closed(operation))
            case .queued(let wake): wake?.resume()
            }
        }
    }

    /// Refuses new jobs; the loop finishes the queued ones and then `run()` returns.
    func finish() {
        let wake: [CheckedContinuation<Void, Never>] = self.state.withLockedValue { state in
            state.closing = true
            var wake: [CheckedContinuation<Void, Never>] = []
            if let idle = state.idleWaiter { wake.append(idle) }
            if let batch = state.batchWaiter { wake.append(batch.continuation) }
            state.idleWaiter = nil
            state.batchWaiter = nil
            return wake
        }
        for waiter in wake { waiter.resume() }
    }

    // MARK: The loop

    /// Runs jobs until `finish()` was called and the queues are empty. Started once by
    /// `SQLiteDeliveryStore.open` and awaited by its `close()`.
    func run() async {
        // Adaptive group commit: when the last batch held several submissions, callers are
        // concurrent and more are probably on their way, so wait (at most `maxDelay`) until as
        // many are queued again. A lone caller (last batch of one) is committed at once.
        let sweep = self.eventLoop.scheduleRepeatedTask(
            initialDelay: self.sweepInterval, delay: self.sweepInterval
        ) { _ in
            self.failOverdueAccepts()
        }
        defer { sweep.cancel() }
        var lastBatchSize = 1
        // When both queues hold work, alternate so that neither ingest nor dispatch starves.
        var operationsFirst = false
        var commitsSinceCheckpoint = 0

        while let work = await self.nextWork(operationsFirst: operationsFirst) {
            switch work {
            case .operation(let operation):
                await operation(self.connection)
                self.statisticsBox.withLockedValue { $0.operations += 1 }
                operationsFirst = false
            case .accepts:
                let target = min(self.settings.maxBatch, lastBatchSize)
                if target > 1 { await self.waitForAccepts(count: target) }
                let batch = self.takeAccepts()
                lastBatchSize = max(1, batch.count)
                self.statisticsBox.withLockedValue {
                    $0.acceptBatches += 1
                    $0.acceptSubmissions += batch.count
                    $0.largestAcceptBatch = max($0.largestAcceptBatch, batch.count)
                }
                let outcome = await SQLiteAcceptBatch.commit(batch, on: self.connection, logger: self.logger)
                if !outcome.deferred.isEmpty { self.requeue(outcome.deferred) }
                if outcome.queuedForLeasing > 0 { self.onAccepted() }
                operationsFirst = true
            }
            commitsSinceCheckpoint += 1
            if commitsSinceCheckpoint >= self.settings.checkpointEvery {
                commitsSinceCheckpoint = 0
                await self.checkpoint()
            }
        }
    }

    private func nextWork(operationsFirst: Bool) async -> Work? {
        enum Decision {
            case work(Work)
            case finished
            case wait
        }
        while true {
            let decision: Decision = self.state.withLockedValue { state in
                if !state.operations.isEmpty, operationsFirst || state.accepts.isEmpty {
                    return .work(.operation(state.operations.removeFirst()))
                }
                if !state.accepts.isEmpty { return .work(.accepts) }
                return state.closing ? .finished : .wait
            }
            switch decision {
            case .work(let work): return work
            case .finished: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let parked = self.state.withLockedValue { state in
                        guard state.accepts.isEmpty, state.operations.isEmpty, !state.closing else { return false }
                        state.idleWaiter = continuation
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            }
        }
    }

    /// Waits until `count` accepts are queued or `maxDelay` passed, whichever is first.
    private func waitForAccepts(count: Int) async {
        guard self.settings.maxDelay > .zero else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiterID: Int? = self.state.withLockedValue { state in
                guard state.accepts.count < count, !state.closing else { return nil }
                state.nextBatchWaiterID += 1
                state.batchWaiter = BatchWaiter(id: state.nextBatchWaiterID, target: count, continuation: continuation)
                return state.nextBatchWaiterID
            }
            guard let waiterID else {
                continuation.resume()
                return
            }
            self.eventLoop.scheduleTask(in: self.settings.maxDelay) {
                let expired: CheckedContinuation<Void, Never>? = self.state.withLockedValue { state in
                    // The batch may have filled up already: then this timer belongs to a past wait.
                    guard let waiter = state.batchWaiter, waiter.id == waiterID else { return nil }
                    state.batchWaiter = nil
                    return waiter.continuation
                }
                expired?.resume()
            }
        }
    }

    private func takeAccepts() -> [SQLiteAcceptBatch.Pending] {
        let (batch, overdue) = self.state.withLockedValue { state in
            let overdue = Self.removeOverdue(from: &state)
            let count = min(state.accepts.count, self.settings.maxBatch)
            let batch = Array(state.accepts.prefix(count))
            state.accepts.removeFirst(count)
            state.queuedBytes -= batch.reduce(0) { $0 + $1.bytes }
            return (batch, overdue)
        }
        Self.refuse(overdue, after: self.settings.queueTimeout)
        return batch
    }

    /// Puts submissions back at the head of the queue for the next batch (a repeated
    /// idempotency key whose first submission failed: the repeat is then tried on its own).
    private func requeue(_ pending: [SQLiteAcceptBatch.Pending]) {
        self.state.withLockedValue { state in
            state.accepts.insert(contentsOf: pending, at: state.accepts.startIndex)
            state.queuedBytes += pending.reduce(0) { $0 + $1.bytes }
        }
    }

    // MARK: Deadlines

    /// How often queued accepts are checked against their deadline: a tenth of the timeout,
    /// between 10 ms and 1 s.
    private var sweepInterval: TimeAmount {
        min(max(.nanoseconds(self.settings.queueTimeout.nanoseconds / 10), .milliseconds(10)), .seconds(1))
    }

    /// Answers the accepts that waited past their deadline while the writer was busy (a slow
    /// or stalled disk): they were never written, so the caller may safely retry.
    private func failOverdueAccepts() {
        let overdue = self.state.withLockedValue { Self.removeOverdue(from: &$0) }
        Self.refuse(overdue, after: self.settings.queueTimeout)
    }

    /// The queue is in arrival order (requeued ones are older still), so overdue ones lead it.
    private static func removeOverdue(from state: inout State) -> [SQLiteAcceptBatch.Pending] {
        let now = NIODeadline.now()
        var overdue: [SQLiteAcceptBatch.Pending] = []
        while let first = state.accepts.first, first.deadline <= now {
            overdue.append(state.accepts.removeFirst())
            state.queuedBytes -= first.bytes
        }
        return overdue
    }

    private static func refuse(_ overdue: [SQLiteAcceptBatch.Pending], after timeout: TimeAmount) {
        guard !overdue.isEmpty else { return }
        let error = StoreError(
            code: .overloaded,
            message: "accept: waited \(timeout.nanoseconds / 1_000_000) ms for the disk; nothing was written")
        for pending in overdue { pending.reply.resume(throwing: error) }
    }

    /// Moves WAL frames into the database file. Runs between jobs so that no caller waits for
    /// it inside its commit (STORE-NOTES: 9–17 ms when SQLite does it inside a commit).
    /// PASSIVE when more work is queued (never waits for readers); TRUNCATE when idle, which
    /// also shrinks the WAL file back to zero.
    private func checkpoint() async {
        let idle = self.state.withLockedValue { $0.accepts.isEmpty && $0.operations.isEmpty }
        let mode = idle ? "TRUNCATE" : "PASSIVE"
        self.statisticsBox.withLockedValue { $0.checkpoints += 1 }
        do {
            let rows = try await self.connection.rows("PRAGMA wal_checkpoint(\(mode))", context: "checkpoint")
            if let row = rows.first {
                self.logger.trace(
                    "store checkpoint",
                    metadata: [
                        StoreLogKey.checkpointMode: "\(mode)",
                        StoreLogKey.checkpointBusy: "\(row.column("busy")?.integer ?? -1)",
                        StoreLogKey.walFrames: "\(row.column("log")?.integer ?? -1)",
                        StoreLogKey.checkpointedFrames: "\(row.column("checkpointed")?.integer ?? -1)",
                    ]
                )
            }
        } catch {
            // The WAL keeps the data; a failed checkpoint is retried after the next interval.
            self.logger.warning("store checkpoint failed", metadata: ["error": "\(error)"])
        }
    }
}
