import Foundation
import PushgateCore
import SQLiteNIO

// Status reads, the invalid-token feed, the queue gauges, and cancel (a write that answers
// with the status read).
extension SQLiteDeliveryStore {
    package func notification(id: UUID, appID: String) async throws -> StoredNotification? {
        try await self.readers.withConnection("read notification \(id)") { connection in
            try await Self.readNotification(id: id, appID: appID, on: connection)
        }
    }

    /// The notification and its deliveries in target order. Two statements without a
    /// transaction around them is consistent here: the notification row never changes, and
    /// the deliveries come from one statement (one snapshot).
    static func readNotification(
        id: UUID,
        appID: String,
        on connection: SQLiteConnection
    ) async throws -> StoredNotification? {
        let notificationRows = try await connection.rows(
            "SELECT body, accepted_at, expires_at FROM notifications WHERE id = ? AND app_id = ?",
            [.uuid(id), .text(appID)],
            context: "read notification"
        )
        guard let row = notificationRows.first else { return nil }
        let notification = try NotificationBodyCoding.decode(
            try row.string("body"),
            notificationID: id,
            with: NotificationBodyCoding.makeDecoder()
        )
        let deliveryRows = try await connection.rows(
            """
            SELECT id, vendor, token, environment, state, attempts, ambiguous_attempts, next_attempt_at,
                last_kind, last_status, last_reason, last_stage, last_at, updated_at
            FROM deliveries WHERE notification_id = ? ORDER BY rowid
            """,
            [.uuid(id)],
            context: "read deliveries"
        )
        var deliveries: [StoredDelivery] = []
        deliveries.reserveCapacity(deliveryRows.count)
        for row in deliveryRows {
            let state = try row.state("state")
            var lastOutcome: LastOutcome?
            if let at = try row.optionalDate("last_at") {
                lastOutcome = LastOutcome(
                    kind: try row.string("last_kind"),
                    vendorStatus: try row.optionalInt("last_status"),
                    vendorReason: try row.optionalString("last_reason"),
                    stage: try row.optionalString("last_stage"),
                    at: at
                )
            }
            deliveries.append(
                StoredDelivery(
                    id: try row.uuid("id"),
                    target: try row.deviceTarget(),
                    state: state,
                    attempts: try row.int("attempts"),
                    ambiguousAttempts: try row.int("ambiguous_attempts"),
                    nextAttemptAt: state.isFinal ? nil : try row.optionalDate("next_attempt_at"),
                    lastOutcome: lastOutcome,
                    updatedAt: try row.date("updated_at")
                )
            )
        }
        return StoredNotification(
            id: id,
            appID: appID,
            notification: notification,
            acceptedAt: try row.date("accepted_at"),
            expiresAt: try row.optionalDate("expires_at"),
            deliveries: deliveries
        )
    }

    package func cancel(notificationID: UUID, appID: String, now: Date) async throws -> StoredNotification? {
        try await self.writer.perform("cancel notification \(notificationID)") { connection in
            // One statement: its own transaction. Leased and final deliveries are left alone.
            try await connection.execute(
                """
                UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL, updated_at = ?
                WHERE notification_id = ? AND app_id = ? AND state = 'queued'
                """,
                [.date(now), .uuid(notificationID), .text(appID)],
                context: "cancel: update deliveries"
            )
            return try await Self.readNotification(id: notificationID, appID: appID, on: connection)
        }
    }

    package func invalidTokens(appID: String, after: Int64, limit: Int) async throws -> [InvalidTokenRecord] {
        guard limit > 0 else { return [] }
        let rows = try await self.readers.withConnection("read invalid tokens") { connection in
            try await connection.rows(
                """
                SELECT sequence, vendor, token, reason, since, reported_at FROM invalid_tokens
                WHERE app_id = ? AND sequence > ? ORDER BY sequence LIMIT ?
                """,
                [.text(appID), .integer(SQLiteInt64(after)), .integer(limit)],
                context: "read invalid tokens"
            )
        }
        return try rows.map { row in
            InvalidTokenRecord(
                sequence: try row.int64("sequence"),
                report: InvalidTokenReport(
                    appID: appID,
                    vendor: Vendor(rawValue: try row.string("vendor")),
                    token: try row.string("token"),
                    reason: try row.string("reason"),
                    since: try row.optionalDate("since")
                ),
                reportedAt: try row.date("reported_at")
            )
        }
    }

    package func queueDepth() async throws -> Int {
        // Two counts, each over its partial index, rather than one scan of the whole table.
        let rows = try await self.readers.withConnection("read queue depth") { connection in
            try await connection.rows(
                """
                SELECT (SELECT count(*) FROM deliveries WHERE state = 'queued')
                    + (SELECT count(*) FROM deliveries WHERE state = 'sending') AS depth
                """,
                context: "read queue depth"
            )
        }
        return try rows.first?.int("depth") ?? 0
    }

    /// The earliest due time of the lanes not excluded (bound from `?1` on) and the earliest
    /// lease expiry, in one statement (one snapshot). The lanes left out are never read: one
    /// index seek per lane finds the others' earliest due times (`queuedLanesCTE`).
    static func nextDueSQL(exclusion: String) -> String {
        """
        \(Self.queuedLanesCTE)
        SELECT (SELECT min(due) FROM queued_lanes WHERE true\(exclusion)) AS due,
            (SELECT min(leased_until) FROM deliveries WHERE state = 'sending') AS lease_expiry
        """
    }

    package func nextDueDate(excluding lanes: Set<Lane>) async throws -> Date? {
        let (exclusion, binds) = Self.laneExclusion(lanes, firstParameter: 1)
        let rows = try await self.readers.withConnection("read next due date") { connection in
            try await connection.rows(Self.nextDueSQL(exclusion: exclusion), binds, context: "read next due date")
        }
        guard let row = rows.first else { return nil }
        // A lease that runs out makes its delivery due again (rule 2): after a crash, those
        // deliveries are the only work left, and the dispatcher must wake for them.
        let due = [try row.optionalDate("due"), try row.optionalDate("lease_expiry")].compactMap { $0 }
        return due.min()
    }
}
