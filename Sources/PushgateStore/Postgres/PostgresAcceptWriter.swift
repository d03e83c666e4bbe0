import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The queue in front of PostgreSQL for accepts: group commit.
///
/// Concurrent `accept` calls wait here; each of a few writer loops takes whatever is queued
/// (up to `maxBatch`) and commits it in one transaction with multi-row statements, then
/// answers every caller of the batch — a 202 only after COMMIT. While one loop commits, the
/// next batch gathers, so the batch size follows the load with no timer (STORE-NOTES:
/// batching is the 3–6× lever, and it saves transaction ids).
///
/// The queue is bounded like the SQLite writer's: beyond `maxQueuedAccepts` or
/// `maxQueuedBytes` an accept is refused at once, and one that waits past `queueTimeout` is
/// answered `overloaded` and never written.
final class PostgresAcceptWriter: AcceptQueue {
    struct Settings: Sendable {
        var maxBatch: Int
        var writers: Int
        var maxQueuedAccepts: Int
        var maxQueuedBytes: Int
        var queueTimeout: TimeAmount
    }

    typealias Pending = QueuedAccept<PostgresPreparedSubmission>

    /// What a committed batch did: how many submissions it stored, and which must go round
    /// again (a repeat of a key whose first submission failed).
    struct Outcome: Sendable {
        /// Submissions stored as queued work (not leased at insert): dispatchers are woken for them.
        var queuedForLeasing: Int
        var deferred: [Pending]
    }

    typealias Commit = @Sendable ([Pending]) async -> Outcome

    private struct State {
        var queue = CircularBuffer<Pending>()
        var queuedBytes = 0
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var closing = false
    }

    private let state = NIOLockedValueBox(State())
    private let settings: Settings
    private let admission: AcceptAdmission
    private let eventLoop: any EventLoop
    private let commit: Commit
    /// Called after a batch stored at least one submission.
    private let onAccepted: @Sendable () -> Void

    init(
        settings: Settings, eventLoop: any EventLoop, commit: @escaping Commit,
        onAccepted: @escaping @Sendable () -> Void
    ) {
        self.settings = settings
        self.admission = AcceptAdmission(
            maxQueuedAccepts: settings.maxQueuedAccepts, maxQueuedBytes: settings.maxQueuedBytes,
            queueTimeout: settings.queueTimeout, waitingFor: "PostgreSQL")
        self.eventLoop = eventLoop
        self.commit = commit
        self.onAccepted = onAccepted
    }

    /// Queues what fits within the queue's bounds, refuses the rest at once, and wakes writers.
    func enqueue(_ entries: [(PostgresPreparedSubmission, AcceptReply)]) {
        let (wake, refused): ([CheckedContinuation<Void, Never>], [(AcceptReply, StoreError)]) =
            self.state.withLockedValue { state in
                let refused = self.admission.admit(
                    entries, to: &state.queue, bytes: &state.queuedBytes, closing: state.closing)
                // As many idle writers as the queue fills transactions: a batch request may fill several.
                guard !state.queue.isEmpty else { return ([], refused) }
                let batches = (state.queue.count + self.settings.maxBatch - 1) / self.settings.maxBatch
                let count = min(batches, state.idleWriters.count)
                let wake = Array(state.idleWriters.suffix(count))
                state.idleWriters.removeLast(count)
                return (wake, refused)
            }
        for writer in wake { writer.resume() }
        for (reply, refusal) in refused { reply.resume(throwing: refusal) }
    }

    /// Refuses new accepts; the writers commit what is queued, then `run()` returns.
    func finish() {
        let idle = self.state.withLockedValue { state in
            state.closing = true
            defer { state.idleWriters = [] }
            return state.idleWriters
        }
        for writer in idle { writer.resume() }
    }

    /// Runs the writer loops until `finish()` and an empty queue. Started by the store's open,
    /// awaited by its close.
    func run() async {
        let sweep = self.eventLoop.scheduleRepeatedTask(initialDelay: self.sweepInterval, delay: self.sweepInterval) {
            _ in
            self.failOverdue()
        }
        defer { sweep.cancel() }
        await withDiscardingTaskGroup { group in
            for _ in 0..<self.settings.writers {
                group.addTask {
                    while let batch = await self.nextBatch() {
                        let outcome = await self.commit(batch)
                        if !outcome.deferred.isEmpty { self.requeue(outcome.deferred) }
                        if outcome.queuedForLeasing > 0 { self.onAccepted() }
                    }
                }
            }
        }
    }

    private func nextBatch() async -> [Pending]? {
        enum Decision {
            case batch([Pending], overdue: [Pending])
            case finished
            case wait
        }
        while true {
            let decision: Decision = self.state.withLockedValue { state in
                let overdue = Self.removeOverdue(from: &state)
                if !state.queue.isEmpty {
                    let count = min(state.queue.count, self.settings.maxBatch)
                    let batch = Array(state.queue.prefix(count))
                    state.queue.removeFirst(count)
                    state.queuedBytes -= batch.reduce(0) { $0 + $1.bytes }
                    return .batch(batch, overdue: overdue)
                }
                if !overdue.isEmpty { return .batch([], overdue: overdue) }
                return state.closing ? .finished : .wait
            }
            switch decision {
            case .batch(let batch, let overdue):
                self.refuse(overdue)
                if !batch.isEmpty { return batch }
            case .finished:
                return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let parked = self.state.withLockedValue { state in
                        guard state.queue.isEmpty, !state.closing else { return false }
                        state.idleWriters.append(continuation)
                        return true
                    }
                    if !parked { continuation.resume() }
                }
            }
        }
    }

    private func requeue(_ pending: [Pending]) {
        let idle = self.state.withLockedValue { state in
            state.queue.insert(contentsOf: pending, at: state.queue.startIndex)
            state.queuedBytes += pending.reduce(0) { $0 + $1.bytes }
            return state.idleWriters.popLast()
        }
        idle?.resume()
    }

    // MARK: Deadlines

    /// A tenth of the queue timeout, between 10 ms and 1 s.
    private var sweepInterval: TimeAmount {
        min(max(.nanoseconds(self.settings.queueTimeout.nanoseconds / 10), .milliseconds(10)), .seconds(1))
    }

    private func failOverdue() {
        let overdue = self.state.withLockedValue { Self.removeOverdue(from: &$0) }
        self.refuse(overdue)
    }

    /// The queue is in arrival order (requeued ones are older still), so overdue ones lead it.
    private static func removeOverdue(from state: inout State) -> [Pending] {
        let now = NIODeadline.now()
        var overdue: [Pending] = []
        while let first = state.queue.first, first.deadline <= now {
            overdue.append(state.queue.removeFirst())
            state.queuedBytes -= first.bytes
        }
        return overdue
    }

    private func refuse(_ overdue: [Pending]) {
        guard !overdue.isEmpty else { return }
        let error = StoreError(
            code: .overloaded,
            message:
                "accept: waited longer than \(self.settings.queueTimeout.nanoseconds / 1_000_000) ms for PostgreSQL; "
                + "nothing was written")
        for pending in overdue { pending.reply.resume(throwing: error) }
    }
}
