import Foundation
import Logging
import PostgresNIO
import PushgateCore

// The webhook outbox: events queued by `record` in the transaction of the outcome they report,
// leased by any instance's webhook sender (`SKIP LOCKED`, lease expiry in the row), completed.
extension PostgresDeliveryStore {
    package func leaseWebhookEvents(limit: Int, now: Date, leaseDuration: Duration) async throws -> [WebhookEvent] {
        guard limit > 0 else { return [] }
        let at = now.storeMilliseconds
        let rows = try await self.rows(
            "lease webhook events",
            """
            UPDATE webhook_events AS w SET leased_until = \((now + leaseDuration).storeMilliseconds)
            FROM (
                SELECT id FROM webhook_events
                WHERE next_attempt_at <= \(at) AND (leased_until IS NULL OR leased_until <= \(at))
                ORDER BY next_attempt_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ) AS s
            WHERE w.id = s.id
            RETURNING w.id, w.app_id, w.body, w.attempts
            """)
        let events = try rows.map { row in
            WebhookEvent(
                id: try row.value("id"), appID: try row.value("app_id"), body: try row.bytes("body"),
                attempts: try row.value("attempts"))
        }
        return events.sorted { $0.id < $1.id }
    }

    /// Sent and failed (given up) events are deleted; retried ones count an attempt, lose their
    /// lease and wait for `nextAttemptAt`. One transaction.
    package func completeWebhookEvents(
        sent: [Int64], retry: [(id: Int64, nextAttemptAt: Date)], failed: [Int64]
    ) async throws {
        let deleted = sent + failed
        let retriedIDs = retry.map { $0.id }
        let retriedAt = retry.map { $0.nextAttemptAt.storeMilliseconds }
        guard !deleted.isEmpty || !retriedIDs.isEmpty else { return }
        let logger = self.logger
        try await self.withTransaction("complete webhook events") { connection in
            if !deleted.isEmpty {
                try await connection.rows(
                    "DELETE FROM webhook_events WHERE id = ANY(\(deleted)::bigint[])", logger: logger)
            }
            if !retriedIDs.isEmpty {
                try await connection.rows(
                    """
                    UPDATE webhook_events AS w
                    SET attempts = w.attempts + 1, next_attempt_at = u.next_attempt_at, leased_until = NULL
                    FROM unnest(\(retriedIDs)::bigint[], \(retriedAt)::bigint[]) AS u (id, next_attempt_at)
                    WHERE w.id = u.id
                    """,
                    logger: logger)
            }
        }
    }
}
