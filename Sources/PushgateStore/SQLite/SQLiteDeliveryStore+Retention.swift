import Foundation
import SQLiteNIO

// Retention of what only has to live for a while. Every purge is cut into short writer jobs,
// so that group commits keep running between them instead of waiting behind one long delete.
extension SQLiteDeliveryStore {
    /// Rows deleted per writer job for single-table purges.
    private static let purgeChunk = 5_000
    /// Free pages given back per `reclaimSpace` call: 8 MiB of 4 KiB pages, a few ms of work.
    private static let reclaimPages = 2_048

    package func purgeIdempotencyKeys(createdBefore date: Date) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await self.writer.perform("purge idempotency keys") { connection in
                let rows = try await connection.rows(
                    """
                    DELETE FROM idempotency_keys WHERE rowid IN (
                        SELECT rowid FROM idempotency_keys WHERE created_at < ? LIMIT ?
                    )
                    RETURNING 1 AS deleted
                    """,
                    [.date(date), .integer(Self.purgeChunk)],
                    context: "purge idempotency keys"
                )
                return rows.count
            }
            total += deleted
            if deleted < Self.purgeChunk { return total }
        }
    }

    /// A notification accepted at or after `date` cannot have finished before it, so the scan
    /// walks `notifications_accepted` from the oldest and stops at `date`; the deliveries go
    /// with their notification (`ON DELETE CASCADE`).
    package func purgeFinishedNotifications(finishedBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await self.writer.perform("purge finished notifications") { connection in
            try await connection.execute("BEGIN IMMEDIATE", context: "purge: begin")
            do {
                let rows = try await connection.rows(
                    """
                    DELETE FROM notifications WHERE rowid IN (
                        SELECT n.rowid FROM notifications AS n
                        WHERE n.accepted_at < ?1 AND NOT EXISTS (
                            SELECT 1 FROM deliveries AS d
                            WHERE d.notification_id = n.id
                                AND (d.state IN ('queued', 'sending') OR d.updated_at >= ?1)
                        )
                        ORDER BY n.accepted_at LIMIT ?2
                    )
                    RETURNING 1 AS deleted
                    """,
                    [.date(date), .integer(limit)],
                    context: "purge finished notifications"
                )
                try await connection.execute("COMMIT", context: "purge: commit")
                return rows.count
            } catch {
                await connection.rollbackQuietly(logger: self.logger)
                throw error
            }
        }
    }

    /// `sequence` grows with `reported_at`, so the oldest records are a prefix of the table.
    package func purgeInvalidTokens(reportedBefore date: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await self.writer.perform("purge invalid tokens") { connection in
            let rows = try await connection.rows(
                """
                DELETE FROM invalid_tokens WHERE sequence IN (
                    SELECT sequence FROM invalid_tokens ORDER BY sequence LIMIT ?
                ) AND reported_at < ?
                RETURNING 1 AS deleted
                """,
                [.integer(limit), .date(date)],
                context: "purge invalid tokens"
            )
            return rows.count
        }
    }

    /// Incremental vacuum: moves free pages to the end of the file and truncates it. A file
    /// created before auto-vacuum was on keeps its free pages for reuse instead (it stops
    /// growing, but does not shrink).
    package func reclaimSpace() async throws -> Bool {
        try await self.writer.perform("reclaim space") { connection in
            _ = try await connection.rows(
                "PRAGMA incremental_vacuum(\(Self.reclaimPages))", context: "reclaim space")
            let free = try await connection.rows("PRAGMA freelist_count", context: "reclaim space: free pages")
            let vacuum = try await connection.rows("PRAGMA auto_vacuum", context: "reclaim space: mode")
            // 2 is INCREMENTAL; in other modes the free pages stay (and are reused).
            guard vacuum.first?.column("auto_vacuum")?.integer == 2 else { return false }
            return (free.first?.column("freelist_count")?.integer ?? 0) > 0
        }
    }
}
