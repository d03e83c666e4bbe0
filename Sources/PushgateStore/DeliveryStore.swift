import Foundation
import PushgateCore
import ServiceLifecycle

/// The durable queue behind the gateway (ARCHITECTURE rules 1, 2 and 10). Backend-neutral:
/// the embedded SQLite backend and PostgreSQL (several instances) implement it, and one contract test
/// suite runs against each.
///
/// Every method is atomic: it commits entirely or not at all.
/// A store is a `Service`: the gateway's service group runs it and, at graceful shutdown, it
/// finishes pending writes and closes (after the dispatcher, which releases its leases).
package protocol DeliveryStore: Service {
    /// Stores a notification, one delivery per target, and the idempotency record if a key
    /// was given, in one transaction, before the API answers 202. Concurrent calls are
    /// group-committed (several per transaction, one fsync).
    ///
    /// With an idempotency key already stored for the app: the same request hash returns
    /// `.replay` with the stored response; another hash returns `.keyReuseMismatch`; nothing
    /// is written in either case.
    /// A key stored before `Submission.Idempotency.validSince` is expired: the submission is
    /// stored as new and replaces it.
    func accept(_ submission: Submission) async throws -> AcceptResult

    /// `accept` for each submission (a batch request), in order: each is stored or refused on
    /// its own, exactly as alone, but they are queued together and usually share one
    /// transaction.
    func accept(all submissions: [Submission]) async -> [Result<AcceptResult, any Error>]

    /// What is stored under the app's idempotency key, if it was stored at or after
    /// `validSince` (the start of the window). The API asks this before it validates a request,
    /// so a retry of an accepted request replays its 202 even if it would no longer validate.
    func idempotencyRecord(appID: String, key: String, validSince: Date) async throws -> IdempotencyRecord?

    /// The notification with all its deliveries, or nil if it does not exist for this app.
    func notification(id: UUID, appID: String) async throws -> StoredNotification?

    /// Cancels every delivery of the notification that is still `queued` (not leased, not
    /// final). Returns the notification afterwards, or nil if it does not exist for this app.
    func cancel(notificationID: UUID, appID: String, now: Date) async throws -> StoredNotification?

    /// Leases up to `limit` deliveries that are due (`queued`, `nextAttemptAt <= now`, not
    /// paused) or whose lease expired (`sending`, `leasedUntil <= now`: a crashed or hung
    /// dispatcher), marking them `sending` with `leasedUntil = now + leaseDuration` and
    /// `leaseOwner = owner`. A delivery is never leased by two callers at once.
    ///
    /// Expired leases come first. The rest of `limit` is shared round robin among the lanes
    /// with due work (ARCHITECTURE rule 6): each gets an even share (the odd ones to the lanes
    /// due longest) before any lane gets more, and what a lane with less work leaves goes to
    /// the others; within a lane, oldest due first. So one lane's backlog never holds back
    /// another's due work. The result is ordered oldest due first.
    ///
    /// A lease that had expired counts as one ambiguous attempt (its gateway may have sent it
    /// before it died). Queued deliveries of the lanes in `excluding` are left alone, and the
    /// cost of a lease does not grow with their number (a backend reads each lane apart: on
    /// PostgreSQL, one `FOR UPDATE SKIP LOCKED` query per lane).
    func leaseDue(
        limit: Int, owner: String, now: Date, leaseDuration: Duration, excluding: Set<Lane>
    ) async throws -> [LeasedDelivery]

    /// Records attempt results in one transaction. Updates are applied only if the delivery
    /// is still leased by `owner` (a lease that expired and was taken by another dispatcher
    /// wins); returns how many were applied. Invalid-token reports and webhook events listed
    /// in the updates are written in the same transaction.
    func record(_ updates: [DeliveryUpdate], owner: String) async throws -> Int

    /// Gives leased deliveries back (`sending` → `queued`, due now) without counting an
    /// attempt: graceful shutdown.
    func release(deliveryIDs: [UUID], owner: String) async throws

    /// Invalid tokens reported by vendors for the app, oldest first, with `sequence > after`.
    func invalidTokens(appID: String, after: Int64, limit: Int) async throws -> [InvalidTokenRecord]

    /// Deliveries in `queued` or `sending` state, for the queue-depth gauge.
    func queueDepth() async throws -> Int

    /// The earliest time a delivery becomes due, so the dispatcher can sleep until then: the
    /// earliest `nextAttemptAt` among queued deliveries or, if sooner, the earliest
    /// `leasedUntil` among leased ones (an expired lease makes its delivery due again, rule 2).
    /// Nil when nothing is queued or leased.
    /// Queued deliveries of the lanes in `excluding` are left out, without reading them.
    func nextDueDate(excluding: Set<Lane>) async throws -> Date?

    /// Webhook events due for sending (`nextAttemptAt <= now`), leased for `leaseDuration`.
    func leaseWebhookEvents(limit: Int, now: Date, leaseDuration: Duration) async throws -> [WebhookEvent]

    /// Marks webhook events sent (deleted) or schedules their next attempt.
    func completeWebhookEvents(sent: [Int64], retry: [(id: Int64, nextAttemptAt: Date)], failed: [Int64]) async throws

    /// Deletes idempotency records created before `date`; returns how many.
    func purgeIdempotencyKeys(createdBefore date: Date) async throws -> Int

    /// Retention: deletes up to `limit` finished notifications (every delivery in a final
    /// state) whose last delivery finished before `date`, with their deliveries, in one short
    /// transaction; returns how many notifications. Callers repeat it until it returns less
    /// than `limit`, so that ingest runs between the chunks.
    func purgeFinishedNotifications(finishedBefore date: Date, limit: Int) async throws -> Int

    /// Retention: deletes up to `limit` invalid-token records reported before `date`, oldest
    /// first; returns how many.
    func purgeInvalidTokens(reportedBefore date: Date, limit: Int) async throws -> Int

    /// Gives space freed by deletes back to the file system, a bounded amount per call (short
    /// enough not to stall ingest); returns whether more is left to give back.
    func reclaimSpace() async throws -> Bool

    /// Whether the store answers (for `/readyz`).
    func ping() async throws

    /// Work arrived (an accept committed, a delivery was released): the dispatcher waits on
    /// this instead of polling. A hint only; it may fire spuriously or coalesce.
    var workSignals: AsyncStream<Void> { get }

    /// Closes the store; pending group commits finish first.
    func close() async throws
}

extension DeliveryStore {
    /// Each submission on its own `accept`, concurrently: group commit still joins them.
    package func accept(all submissions: [Submission]) async -> [Result<AcceptResult, any Error>] {
        await withTaskGroup(of: (Int, Result<AcceptResult, any Error>).self) { group in
            for (index, submission) in submissions.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await self.accept(submission)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<AcceptResult, any Error>](
                repeating: .failure(StoreError.closed("accept")), count: submissions.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }

    /// Encodes each submission (one that cannot be encoded fails alone), hands the encoded
    /// ones to `queue` together, and puts every result back in the submissions' order.
    static func accept<Prepared>(
        all submissions: [Submission],
        preparing prepare: (Submission) throws -> Prepared,
        queue: ([Prepared]) async -> [Result<AcceptResult, any Error>]
    ) async -> [Result<AcceptResult, any Error>] {
        var results = [Result<AcceptResult, any Error>?](repeating: nil, count: submissions.count)
        var prepared: [Prepared] = []
        var positions: [Int] = []
        prepared.reserveCapacity(submissions.count)
        positions.reserveCapacity(submissions.count)
        for (index, submission) in submissions.enumerated() {
            do {
                prepared.append(try prepare(submission))
                positions.append(index)
            } catch {
                results[index] = .failure(error)
            }
        }
        for (position, result) in zip(positions, await queue(prepared)) { results[position] = result }
        return results.map { $0 ?? .failure(StoreError.closed("accept")) }
    }

    /// `leaseDue` over every lane.
    package func leaseDue(limit: Int, owner: String, now: Date, leaseDuration: Duration) async throws
        -> [LeasedDelivery]
    {
        try await self.leaseDue(limit: limit, owner: owner, now: now, leaseDuration: leaseDuration, excluding: [])
    }

    /// `nextDueDate` over every lane.
    package func nextDueDate() async throws -> Date? {
        try await self.nextDueDate(excluding: [])
    }
}
