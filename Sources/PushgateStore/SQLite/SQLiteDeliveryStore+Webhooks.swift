import Foundation
import PushgateCore
import SQLiteNIO

// The webhook outbox: events queued by `record` in the same transaction as the outcome they
// report, then leased, sent and completed by the webhook sender.
extension SQLiteDeliveryStore {
    package func leaseWebhookEvents(limit: Int, now: Date, leaseDuration: Duration) async throws -> [WebhookEvent] {
        guard limit > 0 else { return [] }
        let binds: [SQLiteData] = [.date(now + leaseDuration), .date(now), .integer(limit)]
        let rows = try await self.writer.perform("lease webhook events") { connection in
            try await connection.rows(
                """
                UPDATE webhook_events SET leased_until = ?1
                WHERE id IN (
                    SELECT id FROM webhook_events
                    WHERE next_attempt_at <= ?2 AND (leased_until IS NULL OR leased_until <= ?2)
                    ORDER BY next_attempt_at, id LIMIT ?3
                )
                RETURNING id, app_id, body, attempts
                """,
                binds,
                context: "lease webhook events"
            )
        }
        let events = try rows.map { row in
            WebhookEvent(
                id: try row.int64("id"),
                appID: try row.string("app_id"),
                body: try row.bytes("body"),
                attempts: try row.int("attempts")
            )
        }
        return events.sorted { $0.id < $1.id }
    }

    /// Sent and failed (given up) events are deleted; retried ones count an attempt, lose their
    /// lease and wait for `nextAttemptAt`. One transaction.
    package func completeWebhookEvents(
        sent: [Int64],
        retry: [(id: Int64, nextAttemptAt: Date)],
        failed: [Int64]
    ) async throws {
        let deleted = sent + failed
        let retried = retry.map { (id: $0.id, at: $0.nextAttemptAt) }
        guard !deleted.isEmpty || !retried.isEmpty else { return }
        try await self.writer.perform("complete webhook events") { connection in
            try await connection.execute("BEGIN IMMEDIATE", context: "webhooks: begin")
            do {
                var start = 0
                while start < deleted.count {
                    let chunk = deleted[start..<min(deleted.count, start + 500)]
                    start += chunk.count
                    try await connection.execute(
                        "DELETE FROM webhook_events WHERE id IN ("
                            + repeatElement("?", count: chunk.count).joined(separator: ", ") + ")",
                        chunk.map { .integer(SQLiteInt64($0)) },
                        context: "webhooks: delete completed events"
                    )
                }
                start = 0
                while start < retried.count {
                    let chunk = retried[start..<min(retried.count, start + 500)]
                    start += chunk.count
                    try await connection.execute(
                        "WITH u (id, next_attempt_at) AS (VALUES "
                            + repeatElement("(?, ?)", count: chunk.count).joined(separator: ", ")
                                + """
                                )
                                UPDATE webhook_events SET attempts = attempts + 1, next_attempt_at = u.next_attempt_at,
                                    leased_until = NULL
                                FROM u WHERE webhook_events.id = u.id
                                """,
                        chunk.flatMap { [SQLiteData.integer(SQLiteInt64($0.id)), .date($0.at)] },
                        context: "webhooks: schedule retries"
                    )
                }
                try await connection.execute("COMMIT", context: "webhooks: commit")
            } catch {
                await connection.rollbackQuietly(logger: self.logger)
                throw error
            }
        }
    }
}
