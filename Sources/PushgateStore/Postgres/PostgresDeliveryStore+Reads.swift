import Foundation
import Logging
import PostgresNIO
import PushgateCore

// Status reads (live and finished deliveries), cancel, the idempotency look-up, the
// invalid-token feed and the queue gauges.
extension PostgresDeliveryStore {
    package func idempotencyRecord(appID: String, key: String, validSince: Date) async throws -> IdempotencyRecord? {
        let rows = try await self.rows(
            "read idempotency key",
            """
            SELECT request_hash, response FROM idempotency_keys
            WHERE app_id = \(appID) AND key = \(key) AND created_at >= \(validSince.storeMilliseconds)
            """)
        guard let row = rows.first else { return nil }
        return IdempotencyRecord(requestHash: try row.value("request_hash"), response: try row.bytes("response"))
    }

    package func notification(id: UUID, appID: String) async throws -> StoredNotification? {
        let logger = self.logger
        return try await self.withConnection("read notification \(id)") { connection in
            try await Self.readNotification(id: id, appID: appID, on: connection, logger: logger)
        }
    }

    /// The notification and its deliveries in target order, live ones and finished ones: one
    /// statement over both tables (one snapshot), so a delivery that moves between them while
    /// this reads is seen exactly once.
    static func readNotification(
        id: UUID, appID: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> StoredNotification? {
        let notificationRows = try await connection.rows(
            "SELECT body, accepted_at, expires_at FROM notifications WHERE id = \(id) AND app_id = \(appID)",
            logger: logger)
        guard let row = notificationRows.first else { return nil }
        let notification = try NotificationBodyCoding.decode(
            try row.value("body"), notificationID: id, with: NotificationBodyCoding.makeDecoder())
        let deliveryRows = try await connection.rows(
            """
            SELECT id, position, vendor, token, environment, state, attempts, ambiguous_attempts, next_attempt_at,
                last_kind, last_status, last_reason, last_stage, last_at, updated_at
            FROM deliveries WHERE notification_id = \(id)
            UNION ALL
            SELECT id, position, vendor, token, environment, state, attempts, ambiguous_attempts, NULL,
                last_kind, last_status, last_reason, last_stage, last_at, updated_at
            FROM delivery_history WHERE notification_id = \(id)
            ORDER BY position
            """,
            logger: logger)
        let deliveries = try deliveryRows.map { row in
            let state = try row.state("state")
            var lastOutcome: LastOutcome?
            if let at = try row.optionalDate("last_at") {
                lastOutcome = LastOutcome(
                    kind: try row.value("last_kind"),
                    vendorStatus: try row.value("last_status", as: Int?.self),
                    vendorReason: try row.value("last_reason", as: String?.self),
                    stage: try row.value("last_stage", as: String?.self),
                    at: at)
            }
            return StoredDelivery(
                id: try row.value("id"),
                target: try row.deviceTarget(),
                state: state,
                attempts: try row.value("attempts"),
                ambiguousAttempts: try row.value("ambiguous_attempts"),
                nextAttemptAt: state.isFinal ? nil : try row.optionalDate("next_attempt_at"),
                lastOutcome: lastOutcome,
                updatedAt: try row.date("updated_at"))
        }
        return StoredNotification(
            id: id, appID: appID, notification: notification, acceptedAt: try row.date("accepted_at"),
            expiresAt: try row.optionalDate("expires_at"), deliveries: deliveries)
    }

    /// Moves the notification's queued deliveries to the history as `cancelled`, in one
    /// statement; leased ones stay with their dispatcher (the row lock of a lease in progress
    /// makes this wait for it, then skip the row).
    package func cancel(notificationID: UUID, appID: String, now: Date) async throws -> StoredNotification? {
        let logger = self.logger
        let at = now.storeMilliseconds
        return try await self.withConnection("cancel notification \(notificationID)") { connection in
            try await connection.rows(
                """
                WITH cancelled AS (
                    DELETE FROM deliveries
                    WHERE notification_id = \(notificationID) AND app_id = \(appID) AND state = 'queued'
                    RETURNING id, notification_id, position, app_id, vendor, token, environment, attempts,
                        ambiguous_attempts, last_kind, last_status, last_reason, last_stage, last_at
                )
                INSERT INTO delivery_history (
                    id, notification_id, position, app_id, vendor, token, environment, state, attempts,
                    ambiguous_attempts, last_kind, last_status, last_reason, last_stage, last_at, updated_at
                )
                SELECT id, notification_id, position, app_id, vendor, token, environment, 'cancelled', attempts,
                    ambiguous_attempts, last_kind, last_status, last_reason, last_stage, last_at, \(at)
                FROM cancelled
                """,
                logger: logger)
            return try await Self.readNotification(id: notificationID, appID: appID, on: connection, logger: logger)
        }
    }

    package func invalidTokens(appID: String, after: Int64, limit: Int) async throws -> [InvalidTokenRecord] {
        guard limit > 0 else { return [] }
        let rows = try await self.rows(
            "read invalid tokens",
            """
            SELECT sequence, vendor, token, reason, since, reported_at FROM invalid_tokens
            WHERE app_id = \(appID) AND sequence > \(after) ORDER BY sequence LIMIT \(limit)
            """)
        return try rows.map { row in
            InvalidTokenRecord(
                sequence: try row.value("sequence"),
                report: InvalidTokenReport(
                    appID: appID, vendor: Vendor(rawValue: try row.value("vendor")), token: try row.value("token"),
                    reason: try row.value("reason"), since: try row.optionalDate("since")),
                reportedAt: try row.date("reported_at"))
        }
    }

    /// The hot table holds only `queued` and `sending` deliveries.
    package func queueDepth() async throws -> Int {
        let rows = try await self.rows("read queue depth", "SELECT count(*) AS depth FROM deliveries")
        return try rows.first?.value("depth", as: Int.self) ?? 0
    }

    /// The earliest due time of the lanes not excluded and the earliest lease expiry, in one
    /// statement. Excluded lanes' backlogs are not read: one index seek per lane finds the
    /// others' earliest due times (`queuedLanesCTE`).
    package func nextDueDate(excluding lanes: Set<Lane>) async throws -> Date? {
        let excluded = Self.excludedLanes(lanes)
        let rows = try await self.rows(
            "read next due date",
            """
            \(unescaped: Self.queuedLanesCTE)
            SELECT (
                SELECT min(due) FROM queued_lanes WHERE (app_id, vendor, environment) NOT IN (
                    SELECT * FROM unnest(\(excluded.apps)::text[], \(excluded.vendors)::text[], \
            \(excluded.environments)::text[])
                )
            ) AS due,
            (SELECT min(leased_until) FROM deliveries WHERE state = 'sending') AS lease_expiry
            """)
        guard let row = rows.first else { return nil }
        // A lease that runs out makes its delivery due again (rule 2).
        return [try row.optionalDate("due"), try row.optionalDate("lease_expiry")].compactMap { $0 }.min()
    }
}
