import Foundation
import SQLiteNIO

// Retention of what only has to live for a while.
extension SQLiteDeliveryStore {
    /// Rows deleted per writer job: a large purge is cut into short transactions so that group
    /// commits keep running between them instead of waiting behind one long delete.
    private static let purgeChunk = 5_000

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
}
