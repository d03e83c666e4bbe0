import Foundation
import PostgresNIO

// Retention in short statements, so that ingest and leases run between them. Finished
// deliveries are already out of the hot table (`delivery_history`); what is deleted here is
// history, never the queue the dispatchers scan. Space is PostgreSQL's autovacuum's job.
extension PostgresDeliveryStore {
    /// Rows deleted per statement for single-table purges.
    private static let purgeChunk = 5_000

    package func purgeIdempotencyKeys(createdBefore date: Date) async throws -> Int {
        let cutOff = date.storeMilliseconds
        var total = 0
        while true {
            let deleted = try await self.rows(
                "purge idempotency keys",
                """
                DELETE FROM idempotency_keys WHERE (app_id, key) IN (
                    SELECT app_id, key FROM idempotency_keys WHERE created_at < \(cutOff) LIMIT \(Self.purgeChunk)
                )
                RETURNING 1
                """
            ).count
            total += deleted
            if deleted < Self.purgeChunk { return total }
        }
    }

    /// A notification is finished when none of its deliveries is in the hot table and the last
    /// one moved to the history before `date`. Its history rows go with it (`ON DELETE CASCADE`).
    /// Rows another instance is purging right now are skipped, not waited for.
    package func purgeFinishedNotifications(finishedBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let cutOff = date.storeMilliseconds
        return try await self.rows(
            "purge finished notifications",
            """
            WITH doomed AS (
                SELECT n.id FROM notifications AS n
                WHERE n.accepted_at < \(cutOff)
                    AND NOT EXISTS (SELECT 1 FROM deliveries AS d WHERE d.notification_id = n.id)
                    AND NOT EXISTS (
                        SELECT 1 FROM delivery_history AS h WHERE h.notification_id = n.id AND h.updated_at >= \(cutOff)
                    )
                ORDER BY n.accepted_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            DELETE FROM notifications AS n USING doomed WHERE n.id = doomed.id
            RETURNING 1
            """
        ).count
    }

    /// `sequence` grows with `reported_at`, so the oldest records are a prefix of the table.
    package func purgeInvalidTokens(reportedBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await self.rows(
            "purge invalid tokens",
            """
            DELETE FROM invalid_tokens WHERE sequence IN (
                SELECT sequence FROM invalid_tokens ORDER BY sequence LIMIT \(limit)
            ) AND reported_at < \(date.storeMilliseconds)
            RETURNING 1
            """
        ).count
    }

    /// Nothing to do: autovacuum (tuned per table in the schema) reuses the space of deleted
    /// rows, and giving it back to the file system would need `VACUUM FULL`'s exclusive lock.
    package func reclaimSpace() async throws -> Bool {
        false
    }
}
