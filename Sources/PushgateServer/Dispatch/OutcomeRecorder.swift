import Logging
import NIOConcurrencyHelpers
import PushgateStore

/// Collects attempt results and writes them to the store in batches: one transaction for
/// many outcomes instead of one each (STORE-NOTES.md: the lease cycle is write-bound).
final class OutcomeRecorder: Sendable {
    private let store: any DeliveryStore
    private let owner: String
    private let maxBatch: Int
    private let pending = NIOLockedValueBox<[DeliveryUpdate]>([])
    private let wakeup = Wakeup()
    private let logger: Logger

    init(store: any DeliveryStore, owner: String, maxBatch: Int, logger: Logger) {
        self.store = store
        self.owner = owner
        self.maxBatch = maxBatch
        self.logger = logger
    }

    func add(_ update: DeliveryUpdate) {
        let count = self.pending.withLockedValue { pending in
            pending.append(update)
            return pending.count
        }
        if count == 1 || count >= self.maxBatch { self.wakeup.signal() }
    }

    /// Writes batches until cancelled, then writes what is left.
    func run() async {
        while !Task.isCancelled {
            await self.wakeup.wait(timeout: .milliseconds(200))
            // Let a burst of completions gather for a moment before the transaction.
            try? await Task.sleep(for: .milliseconds(2))
            await self.flush()
        }
        await self.flush()
    }

    func flush() async {
        while true {
            let batch = self.pending.withLockedValue { pending -> [DeliveryUpdate] in
                let batch = Array(pending.prefix(self.maxBatch))
                pending.removeFirst(batch.count)
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
            } catch {
                // The leases will expire and the deliveries be sent again with the same
                // identity: at-least-once, never lost.
                self.logger.error(
                    "could not record outcomes", metadata: ["error": "\(error)", "push.count": "\(batch.count)"])
            }
        }
    }
}
