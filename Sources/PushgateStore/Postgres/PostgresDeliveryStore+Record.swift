import Foundation
import Logging
import NIOCore
import PostgresNIO
import PushgateCore

// Attempt results: one statement per batch, fenced by the lease owner. A final outcome moves the
// delivery out of the hot table into `delivery_history` in the same statement; a retry puts it
// back in its lane. Invalid tokens and webhook events follow in the same transaction.
extension PostgresDeliveryStore {
    /// One update as the record statement reads it (`jsonb_to_recordset`: JSON carries NULLs,
    /// which array binds cannot). Absent keys are NULL.
    private struct UpdateRow: Encodable {
        var id: UUID
        var state: String
        var attempt: Int
        var ambiguous: Int
        var nextAttemptAt: Int64?
        var kind: String?
        var status: Int?
        var reason: String?
        var stage: String?
        var at: Int64?

        enum CodingKeys: String, CodingKey {
            case id, state, attempt, ambiguous, kind, status, reason, stage, at
            case nextAttemptAt = "next_attempt_at"
        }
    }

    /// `last_*` keep their values when the update carries no outcome (`u.at` NULL).
    private static func recordQuery(updates json: String, owner: String, now: Int64) -> PostgresQuery {
        """
        WITH u AS (
            SELECT * FROM jsonb_to_recordset(\(json)::jsonb) AS u (
                id uuid, state text, attempt integer, ambiguous integer, next_attempt_at bigint,
                kind text, status integer, reason text, stage text, at bigint
            )
        ),
        finished AS (
            DELETE FROM deliveries AS d USING u
            WHERE d.id = u.id AND d.state = 'sending' AND d.lease_owner = \(owner) AND u.state <> 'queued'
            RETURNING d.id, d.notification_id, d.position, d.app_id, d.vendor, d.token, d.environment, u.state,
                d.attempts + u.attempt AS attempts, d.ambiguous_attempts + u.ambiguous AS ambiguous_attempts,
                CASE WHEN u.at IS NULL THEN d.last_kind ELSE u.kind END AS last_kind,
                CASE WHEN u.at IS NULL THEN d.last_status ELSE u.status END AS last_status,
                CASE WHEN u.at IS NULL THEN d.last_reason ELSE u.reason END AS last_reason,
                CASE WHEN u.at IS NULL THEN d.last_stage ELSE u.stage END AS last_stage,
                CASE WHEN u.at IS NULL THEN d.last_at ELSE u.at END AS last_at
        ),
        moved AS (
            INSERT INTO delivery_history (
                id, notification_id, position, app_id, vendor, token, environment, state, attempts,
                ambiguous_attempts, last_kind, last_status, last_reason, last_stage, last_at, updated_at
            )
            SELECT id, notification_id, position, app_id, vendor, token, environment, state, attempts,
                ambiguous_attempts, last_kind, last_status, last_reason, last_stage, last_at, \(now)
            FROM finished
        ),
        requeued AS (
            UPDATE deliveries AS d SET
                state = 'queued',
                attempts = d.attempts + u.attempt,
                ambiguous_attempts = d.ambiguous_attempts + u.ambiguous,
                next_attempt_at = coalesce(u.next_attempt_at, \(now)),
                leased_until = NULL,
                lease_owner = NULL,
                last_kind = CASE WHEN u.at IS NULL THEN d.last_kind ELSE u.kind END,
                last_status = CASE WHEN u.at IS NULL THEN d.last_status ELSE u.status END,
                last_reason = CASE WHEN u.at IS NULL THEN d.last_reason ELSE u.reason END,
                last_stage = CASE WHEN u.at IS NULL THEN d.last_stage ELSE u.stage END,
                last_at = CASE WHEN u.at IS NULL THEN d.last_at ELSE u.at END,
                updated_at = \(now)
            FROM u
            WHERE d.id = u.id AND d.state = 'sending' AND d.lease_owner = \(owner) AND u.state = 'queued'
            RETURNING d.id, d.app_id
        )
        SELECT id, app_id FROM finished
        UNION ALL
        SELECT id, app_id FROM requeued
        """
    }

    package func record(_ updates: [DeliveryUpdate], owner: String) async throws -> Int {
        guard !updates.isEmpty else { return 0 }
        var seen: Set<UUID> = []
        for update in updates {
            guard update.state != .sending else {
                throw StoreError.invalidArgument("record: delivery \(update.deliveryID) cannot be recorded as sending")
            }
            guard seen.insert(update.deliveryID).inserted else {
                throw StoreError.invalidArgument("record: delivery \(update.deliveryID) appears twice in one batch")
            }
        }
        let now = self.clock.now().storeMilliseconds
        let updateRows = updates.map { update in
            UpdateRow(
                id: update.deliveryID,
                state: update.state.rawValue,
                attempt: update.countsAttempt ? 1 : 0,
                ambiguous: update.wasAmbiguous ? 1 : 0,
                nextAttemptAt: update.state == .queued ? (update.nextAttemptAt?.storeMilliseconds ?? now) : nil,
                kind: update.lastOutcome?.kind,
                status: update.lastOutcome?.vendorStatus,
                reason: update.lastOutcome?.vendorReason,
                stage: update.lastOutcome?.stage,
                at: update.lastOutcome?.at.storeMilliseconds
            )
        }
        let json: String
        do {
            json = String(decoding: try JSONEncoder().encode(updateRows), as: UTF8.self)
        } catch {
            throw StoreError.invalidArgument("record: updates do not encode: \(error)")
        }
        let logger = self.logger
        let query = Self.recordQuery(updates: json, owner: owner, now: now)
        let applied: Int
        if updates.allSatisfy({ $0.invalidToken == nil && $0.webhookEvents.isEmpty }) {
            // Nothing besides the rows: one statement, atomic on its own, one round trip.
            applied = try await self.rows("record delivery outcomes", query).count
        } else {
            applied = try await self.recordWithSideEffects(updates, query: query, now: now, logger: logger)
        }
        // A retry may be due sooner than a dispatcher planned to sleep for.
        if applied > 0, updates.contains(where: { $0.state == .queued }) { self.notifier.workArrived() }
        return applied
    }

    /// The rows, then the invalid tokens and webhook events of those applied, in one transaction.
    private func recordWithSideEffects(
        _ updates: [DeliveryUpdate], query: PostgresQuery, now: Int64, logger: Logger
    ) async throws -> Int {
        try await self.withTransaction("record delivery outcomes") { connection in
            let rows = try await connection.rows(query, logger: logger)
            var applied: [UUID: String] = [:]
            for row in rows {
                let id: UUID = try row.value("id")
                applied[id] = try row.value("app_id", as: String.self)
            }
            try await Self.insertSideEffects(of: updates, applied: applied, now: now, on: connection, logger: logger)
            return applied.count
        }
    }

    /// The invalid tokens and webhook events of the updates that were applied.
    private static func insertSideEffects(
        of updates: [DeliveryUpdate], applied: [UUID: String], now: Int64, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        guard !applied.isEmpty else { return }
        var tokenApps: [String] = []
        var tokenVendors: [String] = []
        var tokens: [String] = []
        var reasons: [String] = []
        var since: [Int64] = []
        var eventApps: [String] = []
        var eventBodies: [ByteBuffer] = []
        for update in updates {
            guard let appID = applied[update.deliveryID] else { continue }
            if let report = update.invalidToken {
                tokenApps.append(report.appID)
                tokenVendors.append(report.vendor.rawValue)
                tokens.append(report.token)
                reasons.append(report.reason)
                since.append(report.since.storeMillisecondsOrNull)
            }
            for event in update.webhookEvents {
                eventApps.append(appID)
                eventBodies.append(ByteBuffer(bytes: event))
            }
        }
        if !tokens.isEmpty {
            // The feed's cursor is `sequence`: readers page with `sequence > after`. Sequence
            // values are taken in one order but transactions commit in another, so a reader could
            // see 11 before 10 commits and skip 10 for ever. This lock, held to the commit that
            // follows, makes the feed's inserts commit in sequence order.
            try await connection.rows(
                "SELECT pg_advisory_xact_lock(\(PostgresSchema.invalidTokenFeedLock))", logger: logger)
            try await connection.rows(
                """
                INSERT INTO invalid_tokens (app_id, vendor, token, reason, since, reported_at)
                SELECT app_id, vendor, token, reason, NULLIF(since, \(PostgresTime.null)), \(now)
                FROM unnest(\(tokenApps)::text[], \(tokenVendors)::text[], \(tokens)::text[], \(reasons)::text[], \
                \(since)::bigint[]) AS t (app_id, vendor, token, reason, since)
                """,
                logger: logger)
        }
        if !eventBodies.isEmpty {
            try await connection.rows(
                """
                INSERT INTO webhook_events (app_id, body, attempts, next_attempt_at)
                SELECT app_id, body, 0, \(now) FROM unnest(\(eventApps)::text[], \(eventBodies)::bytea[]) AS e (app_id, body)
                """,
                logger: logger)
        }
    }
}
