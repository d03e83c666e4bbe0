import Foundation
import PushgateCore
import SQLiteNIO

// The dispatcher's side of the queue: lease due deliveries, record what happened, give back.
extension SQLiteDeliveryStore {
    /// What a lease writes: `sending`, the lease, and for a lease that had expired (`state` was
    /// already `sending`) one ambiguous attempt. Binds: `?1` leased until, `?2` owner, `?3` now.
    ///
    /// An expired lease means an attempt may have reached the vendor before its gateway died:
    /// it is counted as an ambiguous attempt, so a delivery that crashes every gateway that
    /// sends it runs out of attempts instead of looping, and its status says what happened.
    private static let leaseUpdate = """
        UPDATE deliveries
        SET state = 'sending', leased_until = ?1, lease_owner = ?2, updated_at = ?3,
            attempts = attempts + (state = 'sending'),
            ambiguous_attempts = ambiguous_attempts + (state = 'sending'),
            last_kind = CASE WHEN state = 'sending' THEN 'ambiguous' ELSE last_kind END,
            last_status = CASE WHEN state = 'sending' THEN NULL ELSE last_status END,
            last_reason = CASE WHEN state = 'sending'
                THEN 'the gateway holding the lease stopped before recording an outcome' ELSE last_reason END,
            last_stage = CASE WHEN state = 'sending' THEN 'leaseExpired' ELSE last_stage END,
            last_at = CASE WHEN state = 'sending' THEN ?3 ELSE last_at END
        """

    private static let leaseReturning = """
        RETURNING rowid AS seq, id, notification_id, app_id, vendor, token, environment, attempts,
            ambiguous_attempts, next_attempt_at
        """

    /// Takes over up to `?4` expired leases (their dispatcher crashed or hung), oldest expiry
    /// first, in any lane.
    static let leaseExpiredSQL = """
        \(leaseUpdate)
        WHERE rowid IN (
            SELECT rowid FROM deliveries
            WHERE state = 'sending' AND leased_until <= ?3
            ORDER BY leased_until LIMIT ?4
        )
        \(leaseReturning)
        """

    /// Leases up to `?4` due deliveries of one lane (`?5`, `?6`, `?7`), oldest due first: one
    /// range of `deliveries_lane_due`, no other lane's rows read, nothing sorted.
    static let leaseLaneSQL = """
        \(leaseUpdate)
        WHERE rowid IN (
            SELECT rowid FROM deliveries
            WHERE state = 'queued' AND app_id = ?5 AND vendor = ?6 AND environment = ?7 AND next_attempt_at <= ?3
            ORDER BY next_attempt_at LIMIT ?4
        )
        \(leaseReturning)
        """

    /// The lanes with due work (`?1` now) that take work now (the excluded lanes are bound
    /// from `?2` on), with their earliest due time.
    static func dueLanesSQL(exclusion: String) -> String {
        """
        \(queuedLanesCTE)
        SELECT app_id, vendor, environment, due FROM queued_lanes
        WHERE due <= ?1\(exclusion)
        """
    }

    /// `queued_lanes (app_id, vendor, environment, due)`: every lane with queued deliveries and
    /// its earliest `next_attempt_at`, read from `deliveries_lane_due` with one seek per lane
    /// (a loose index scan) rather than one step per queued row: 50,000 queued deliveries in
    /// one lane cost what one does. Each step seeks the first entry after the previous lane,
    /// trying the next environment, vendor and app in turn; the first entry of a lane is its
    /// earliest due delivery. The seed's `app_id >= ''` holds for every text value and lets it
    /// seek too.
    static let queuedLanesCTE = """
        WITH RECURSIVE queued_lanes (app_id, vendor, environment, due) AS (
            SELECT d.app_id, d.vendor, d.environment, d.next_attempt_at FROM deliveries AS d
            WHERE d.rowid = (
                SELECT rowid FROM deliveries WHERE state = 'queued' AND app_id >= ''
                ORDER BY app_id, vendor, environment, next_attempt_at LIMIT 1
            )
            UNION ALL
            SELECT d.app_id, d.vendor, d.environment, d.next_attempt_at FROM queued_lanes AS l
            JOIN deliveries AS d ON d.rowid = coalesce(
                (
                    SELECT rowid FROM deliveries
                    WHERE state = 'queued' AND app_id = l.app_id AND vendor = l.vendor AND environment > l.environment
                    ORDER BY app_id, vendor, environment, next_attempt_at LIMIT 1
                ),
                (
                    SELECT rowid FROM deliveries
                    WHERE state = 'queued' AND app_id = l.app_id AND vendor > l.vendor
                    ORDER BY app_id, vendor, environment, next_attempt_at LIMIT 1
                ),
                (
                    SELECT rowid FROM deliveries
                    WHERE state = 'queued' AND app_id > l.app_id
                    ORDER BY app_id, vendor, environment, next_attempt_at LIMIT 1
                )
            )
        )
        """

    /// A lane as its rows store it. Raw column values, not `Lane`: a row with a value this
    /// gateway cannot decode (a newer environment) is still leased, and then failed as
    /// unreadable, instead of never being seen.
    struct StoredLane: Hashable, Comparable, Sendable {
        var appID: String
        var vendor: String
        var environment: String

        var binds: [SQLiteData] { [.text(self.appID), .text(self.vendor), .text(self.environment)] }

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.appID, lhs.vendor, lhs.environment) < (rhs.appID, rhs.vendor, rhs.environment)
        }
    }

    /// ` AND (app_id, vendor, environment) NOT IN (VALUES (?n, ?n+1, ?n+2), …)` for `lanes`,
    /// with its binds; empty when there are none.
    static func laneExclusion(_ lanes: Set<Lane>, firstParameter: Int) -> (sql: String, binds: [SQLiteData]) {
        guard !lanes.isEmpty else { return ("", []) }
        var rows: [String] = []
        var binds: [SQLiteData] = []
        var parameter = firstParameter
        for lane in lanes.sorted(by: { $0.description < $1.description }) {
            rows.append("(?\(parameter), ?\(parameter + 1), ?\(parameter + 2))")
            binds += [.text(lane.appID), .text(lane.vendor.rawValue), .text(lane.environment.rawValue)]
            parameter += 3
        }
        return (" AND (app_id, vendor, environment) NOT IN (VALUES \(rows.joined(separator: ", ")))", binds)
    }

    /// Columns of one update in `recordSQL`'s VALUES list.
    private static let recordColumns = 10
    /// Updates per statement of `record` (10 binds each).
    private static let updatesPerStatement = 500

    package func leaseDue(
        limit: Int,
        owner: String,
        now: Date,
        leaseDuration: Duration,
        excluding lanes: Set<Lane>
    ) async throws -> [LeasedDelivery] {
        guard limit > 0 else { return [] }
        let (exclusion, exclusionBinds) = Self.laneExclusion(lanes, firstParameter: 2)
        let dueLanesSQL = Self.dueLanesSQL(exclusion: exclusion)
        let head: [SQLiteData] = [.date(now + leaseDuration), .text(owner), .date(now)]
        let rows = try await self.writer.perform("lease due deliveries") { connection in
            try await connection.execute("BEGIN IMMEDIATE", context: "lease: begin")
            do {
                var rows = try await connection.rows(
                    Self.leaseExpiredSQL, head + [.integer(limit)], context: "lease: take over expired leases")
                let dueLanes = try await connection.rows(
                    dueLanesSQL, [.date(now)] + exclusionBinds, context: "lease: find lanes with due work"
                ).map { row in
                    (
                        lane: StoredLane(
                            appID: try row.string("app_id"),
                            vendor: try row.string("vendor"),
                            environment: try row.string("environment")),
                        due: try row.int64("due")
                    )
                }
                // Round robin (ARCHITECTURE rule 6), the lanes due longest first.
                let open = dueLanes.sorted { ($0.due, $0.lane) < ($1.due, $1.lane) }.map(\.lane)
                rows += try await LaneShares.roundRobin(limit - rows.count, over: open) { lane, share in
                    try await connection.rows(
                        Self.leaseLaneSQL, head + [.integer(share)] + lane.binds,
                        context: "lease: mark one lane's due deliveries sending")
                }
                try await connection.execute("COMMIT", context: "lease: commit")
                return rows
            } catch {
                await connection.rollbackQuietly(logger: self.logger)
                throw error
            }
        }
        guard !rows.isEmpty else { return [] }

        struct Leased {
            var seq: Int64
            var dueAt: Int64
            var id: UUID
            var notificationID: UUID
            var appID: String
            var target: DeviceTarget
            var attempts: Int
            var ambiguousAttempts: Int
        }
        var leased: [Leased] = []
        leased.reserveCapacity(rows.count)
        // Rows that do not decode (say, a value written by a newer gateway) are failed below
        // rather than thrown: thrown, they would stay leased, expire, and break every later batch.
        var unreadable: [(id: UUID, error: any Error)] = []
        for row in rows {
            let id = try row.uuid("id")
            do {
                leased.append(
                    Leased(
                        seq: try row.int64("seq"),
                        dueAt: try row.optionalInt64("next_attempt_at") ?? 0,
                        id: id,
                        notificationID: try row.uuid("notification_id"),
                        appID: try row.string("app_id"),
                        target: try row.deviceTarget(),
                        attempts: try row.int("attempts"),
                        ambiguousAttempts: try row.int("ambiguous_attempts")
                    )
                )
            } catch {
                unreadable.append((id, error))
            }
        }
        // RETURNING gives no order; the contract is oldest due first.
        leased.sort { ($0.dueAt, $0.seq) < ($1.dueAt, $1.seq) }

        // Notifications never change after accept, so their bodies can be read after the lease
        // committed, on a read connection, leaving the writer free. Each body is decoded once
        // however many of its deliveries are in the batch.
        var notificationIDs: [UUID] = []
        var seen: Set<UUID> = []
        for delivery in leased where seen.insert(delivery.notificationID).inserted {
            notificationIDs.append(delivery.notificationID)
        }
        // If this read fails, the deliveries stay leased until their lease runs out (at least
        // once: they are leased again then).
        let notifications = try await self.readers.withConnection("lease: read notification bodies") { connection in
            try await Self.notificationBodies(notificationIDs, on: connection)
        }

        var result: [LeasedDelivery] = []
        result.reserveCapacity(leased.count)
        for delivery in leased {
            let stored: NotificationBody
            switch notifications[delivery.notificationID] {
            case .success(let body):
                stored = body
            case .failure(let error):
                unreadable.append((delivery.id, error))
                continue
            case nil:
                unreadable.append(
                    (delivery.id, StoreError.corrupt("notification \(delivery.notificationID) is missing")))
                continue
            }
            result.append(
                LeasedDelivery(
                    id: delivery.id,
                    notificationID: delivery.notificationID,
                    appID: delivery.appID,
                    notification: stored.notification,
                    target: delivery.target,
                    attempts: delivery.attempts,
                    ambiguousAttempts: delivery.ambiguousAttempts,
                    expiresAt: stored.expiresAt,
                    acceptedAt: stored.acceptedAt
                )
            )
        }
        if !unreadable.isEmpty {
            try await self.failUnreadable(unreadable, owner: owner, now: now)
        }
        return result
    }

    /// A delivery whose row or notification body no longer decodes would otherwise be leased,
    /// fail, expire and be leased again forever, holding up every batch it lands in. It is
    /// failed instead, with the reason on record and in the log.
    private func failUnreadable(_ deliveries: [(id: UUID, error: any Error)], owner: String, now: Date) async throws {
        for delivery in deliveries {
            self.logger.error(
                "stored delivery is unreadable; failing it",
                metadata: [StoreLogKey.deliveryID: "\(delivery.id.lowercasedString)", "error": "\(delivery.error)"]
            )
        }
        let updates = deliveries.map { delivery in
            DeliveryUpdate(
                deliveryID: delivery.id,
                state: .failed,
                countsAttempt: false,
                lastOutcome: LastOutcome(
                    kind: DeliveryOutcome.Kind.permanent.rawValue,
                    vendorReason: "store: stored delivery or notification unreadable",
                    at: now
                )
            )
        }
        _ = try await self.record(updates, owner: owner)
    }

    struct NotificationBody {
        var notification: PushgateCore.Notification
        var acceptedAt: Date
        var expiresAt: Date?
    }

    /// Bodies of the given notifications, decoded; a body that fails to decode is a failure for
    /// that notification only. A missing notification is absent from the result.
    static func notificationBodies(
        _ ids: [UUID],
        on connection: SQLiteConnection
    ) async throws -> [UUID: Result<NotificationBody, StoreError>] {
        var bodies: [UUID: Result<NotificationBody, StoreError>] = [:]
        let decoder = NotificationBodyCoding.makeDecoder()
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + Self.updatesPerStatement)]
            start += chunk.count
            let sql =
                "SELECT id, body, accepted_at, expires_at FROM notifications WHERE id IN ("
                + repeatElement("?", count: chunk.count).joined(separator: ", ") + ")"
            let rows = try await connection.rows(sql, chunk.map(SQLiteData.uuid), context: "read notification bodies")
            for row in rows {
                let id = try row.uuid("id")
                do {
                    bodies[id] = .success(
                        NotificationBody(
                            notification: try NotificationBodyCoding.decode(
                                try row.string("body"),
                                notificationID: id,
                                with: decoder
                            ),
                            acceptedAt: try row.date("accepted_at"),
                            expiresAt: try row.optionalDate("expires_at")
                        )
                    )
                } catch let error as StoreError {
                    bodies[id] = .failure(error)
                }
            }
        }
        return bodies
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
        let now = self.clock.now()
        var binds: [SQLiteData] = []
        binds.reserveCapacity(updates.count * Self.recordColumns)
        for update in updates {
            let nextAttemptAt: SQLiteData =
                update.state == .queued ? .date(update.nextAttemptAt ?? now) : .null
            binds.append(.uuid(update.deliveryID))
            binds.append(.text(update.state.rawValue))
            binds.append(.integer(update.countsAttempt ? 1 : 0))
            binds.append(.integer(update.wasAmbiguous ? 1 : 0))
            binds.append(nextAttemptAt)
            binds.append(.nullableText(update.lastOutcome?.kind))
            binds.append(.nullableInteger(update.lastOutcome?.vendorStatus))
            binds.append(.nullableText(update.lastOutcome?.vendorReason))
            binds.append(.nullableText(update.lastOutcome?.stage))
            binds.append(.nullableDate(update.lastOutcome?.at))
        }

        let applied = try await self.writer.perform("record delivery outcomes") { [binds] connection in
            try await connection.execute("BEGIN IMMEDIATE", context: "record: begin")
            do {
                var applied: [UUID: String] = [:]
                var start = 0
                while start < updates.count {
                    let count = min(Self.updatesPerStatement, updates.count - start)
                    let rows = try await connection.rows(
                        Self.recordSQL(updates: count),
                        Array(binds[(start * Self.recordColumns)..<((start + count) * Self.recordColumns)])
                            + [.date(now), .text(owner)],
                        context: "record: update deliveries"
                    )
                    for row in rows { applied[try row.uuid("id")] = try row.string("app_id") }
                    start += count
                }
                try await Self.insertSideEffects(of: updates, applied: applied, now: now, on: connection)
                try await connection.execute("COMMIT", context: "record: commit")
                return applied.count
            } catch {
                await connection.rollbackQuietly(logger: self.logger)
                throw error
            }
        }
        // A retry may be due sooner than what the dispatcher planned to sleep for.
        if applied > 0, updates.contains(where: { $0.state == .queued }) { self.signalWork() }
        return applied
    }

    /// Applies each update only while the delivery is still leased by this owner (a lease that
    /// expired and was taken by another dispatcher wins). `last_*` keep their values when the
    /// update carries no outcome.
    private static func recordSQL(updates: Int) -> String {
        """
        WITH u (id, state, attempt, ambiguous, next_attempt_at, kind, status, reason, stage, at) AS (VALUES \
        \(repeatElement("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: updates).joined(separator: ", "))
        )
        UPDATE deliveries SET
            state = u.state,
            attempts = deliveries.attempts + u.attempt,
            ambiguous_attempts = deliveries.ambiguous_attempts + u.ambiguous,
            next_attempt_at = u.next_attempt_at,
            leased_until = NULL,
            lease_owner = NULL,
            last_kind = CASE WHEN u.at IS NULL THEN deliveries.last_kind ELSE u.kind END,
            last_status = CASE WHEN u.at IS NULL THEN deliveries.last_status ELSE u.status END,
            last_reason = CASE WHEN u.at IS NULL THEN deliveries.last_reason ELSE u.reason END,
            last_stage = CASE WHEN u.at IS NULL THEN deliveries.last_stage ELSE u.stage END,
            last_at = CASE WHEN u.at IS NULL THEN deliveries.last_at ELSE u.at END,
            updated_at = ?
        FROM u
        WHERE deliveries.id = u.id AND deliveries.state = 'sending' AND deliveries.lease_owner = ?
        RETURNING deliveries.id AS id, deliveries.app_id AS app_id
        """
    }

    /// The invalid tokens and webhook events of the updates that were applied, in the same
    /// transaction as the updates.
    private static func insertSideEffects(
        of updates: [DeliveryUpdate],
        applied: [UUID: String],
        now: Date,
        on connection: SQLiteConnection
    ) async throws {
        guard !applied.isEmpty else { return }
        var tokenBinds: [SQLiteData] = []
        var tokenCount = 0
        var eventBinds: [SQLiteData] = []
        var eventCount = 0
        for update in updates {
            guard let appID = applied[update.deliveryID] else { continue }
            if let report = update.invalidToken {
                tokenBinds += [
                    .text(report.appID), .text(report.vendor.rawValue), .text(report.token), .text(report.reason),
                    .nullableDate(report.since), .date(now),
                ]
                tokenCount += 1
            }
            for event in update.webhookEvents {
                eventBinds += [.text(appID), .bytes(event), .date(now)]
                eventCount += 1
            }
        }
        try await SQLiteAcceptBatch.insertRows(
            into: "invalid_tokens (app_id, vendor, token, reason, since, reported_at)",
            placeholders: "(?, ?, ?, ?, ?, ?)",
            rowCount: tokenCount,
            binds: tokenBinds,
            on: connection
        )
        try await SQLiteAcceptBatch.insertRows(
            into: "webhook_events (app_id, body, attempts, next_attempt_at)",
            placeholders: "(?, ?, 0, ?)",
            rowCount: eventCount,
            binds: eventBinds,
            on: connection
        )
    }

    package func release(deliveryIDs: [UUID], owner: String) async throws {
        guard !deliveryIDs.isEmpty else { return }
        let now = self.clock.now()
        let released = try await self.writer.perform("release leased deliveries") { connection in
            try await connection.execute("BEGIN IMMEDIATE", context: "release: begin")
            do {
                var released = 0
                var start = 0
                while start < deliveryIDs.count {
                    let chunk = deliveryIDs[start..<min(deliveryIDs.count, start + Self.updatesPerStatement)]
                    start += chunk.count
                    // next_attempt_at is kept: it was due when leased, so the delivery is due
                    // again at once and keeps its place in the queue.
                    let rows = try await connection.rows(
                        """
                        UPDATE deliveries SET state = 'queued', leased_until = NULL, lease_owner = NULL, updated_at = ?
                        WHERE state = 'sending' AND lease_owner = ? AND id IN (\
                        \(repeatElement("?", count: chunk.count).joined(separator: ", ")))
                        RETURNING 1 AS released
                        """,
                        [.date(now), .text(owner)] + chunk.map(SQLiteData.uuid),
                        context: "release: update deliveries"
                    )
                    released += rows.count
                }
                try await connection.execute("COMMIT", context: "release: commit")
                return released
            } catch {
                await connection.rollbackQuietly(logger: self.logger)
                throw error
            }
        }
        if released > 0 { self.signalWork() }
    }
}
