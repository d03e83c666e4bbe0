import Foundation
import Logging
import NIOConcurrencyHelpers
import PushgateStore

/// Collects attempt results and writes them to the store in batches: one transaction for
/// many outcomes instead of one each (STORE-NOTES.md: the lease cycle is write-bound).
///
/// A batch the store cannot take stays in memory and is written again with backoff, rather
/// than dropped: a dropped "delivered" would let its lease expire into a resend of a push that
/// had arrived. Until a delivery's outcome is written the dispatcher keeps it in its working
/// set (`holds`), so it does not send it again if its lease comes back meanwhile.
final class OutcomeRecorder: Sendable {
    struct Backoff: Sendable {
        var initial: Duration = .milliseconds(50)
        var maximum: Duration = .seconds(5)
    }

    private struct State {
        var pending: [DeliveryUpdate] = []
        var pendingIDs: Set<UUID> = []
    }

    private let store: any DeliveryStore
    private let owner: String
    private let maxBatch: Int
    private let backoff: Backoff
    private let state = NIOLockedValueBox(State())
    private let wakeup = Wakeup()
    private let onRecorded: @Sendable ([UUID]) -> Void
    private let logger: Logger

    /// - Parameter onRecorded: called with the deliveries whose outcome is now in the store
    ///   (or was given up on at shutdown).
    init(
        store: any DeliveryStore, owner: String, maxBatch: Int, backoff: Backoff = .init(), logger: Logger,
        onRecorded: @escaping @Sendable ([UUID]) -> Void = { _ in }
    ) {
        self.store = store
        self.owner = owner
        self.maxBatch = maxBatch
        self.backoff = backoff
        self.logger = logger
        self.onRecorded = onRecorded
    }

    func add(_ update: DeliveryUpdate) {
        let count = self.state.withLockedValue { state in
            state.pending.append(update)
            state.pendingIDs.insert(update.deliveryID)
            return state.pending.count
        }
        if count == 1 || count >= self.maxBatch { self.wakeup.signal() }
    }

    /// Whether the delivery's outcome is waiting to be written.
    func holds(_ id: UUID) -> Bool {
        self.state.withLockedValue { $0.pendingIDs.contains(id) }
    }

    /// Writes batches until cancelled.
    func run() async {
        while !Task.isCancelled {
            await self.wakeup.wait(timeout: .milliseconds(200))
            // Let a burst of completions gather for a moment before the transaction.
            try? await Task.sleep(for: .milliseconds(2))
            await self.flush(giveUpAt: nil)
        }
    }

    /// Writes everything pending. A failed batch is kept and retried with backoff; with
    /// `giveUpAt` (shutdown) it is dropped once that time has passed, and its leases expire
    /// into a resend with the same identity (at least once).
    func flush(giveUpAt deadline: ContinuousClock.Instant?) async {
        var delay = self.backoff.initial
        while true {
            // Taken out while it is written, so that a concurrent flush (the loop and a
            // shutdown drain) writes other updates; put back in front if the write fails.
            let batch = self.state.withLockedValue { state -> [DeliveryUpdate] in
                let batch = Array(state.pending.prefix(self.maxBatch))
                state.pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            do {
                let applied = try await self.store.record(batch, owner: self.owner)
                if applied < batch.count {
                    self.logger.info(
                        "some outcomes were not recorded: their leases had expired and another dispatcher took them",
                        metadata: ["push.count": "\(batch.count - applied)"])
                }
                self.remove(batch)
                delay = self.backoff.initial
            } catch {
                let giveUp = deadline.map { ContinuousClock.now + delay >= $0 } ?? false
                self.logger.error(
                    giveUp ? "could not record outcomes; giving up at shutdown" : "could not record outcomes; retrying",
                    metadata: ["error": "\(error)", "push.count": "\(batch.count)", "push.retry_in": "\(delay)"])
                if giveUp {
                    self.remove(batch)
                    continue
                }
                self.state.withLockedValue { $0.pending.insert(contentsOf: batch, at: 0) }
                if deadline == nil && Task.isCancelled { return }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, self.backoff.maximum)
            }
        }
    }

    /// The batch's outcomes are in the store (or given up on): its deliveries are released.
    private func remove(_ batch: [DeliveryUpdate]) {
        let ids = batch.map(\.deliveryID)
        self.state.withLockedValue { state in
            for id in ids { state.pendingIDs.remove(id) }
        }
        self.onRecorded(ids)
    }
}
