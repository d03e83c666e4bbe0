import Foundation
import PostgresNIO
import PushgateCore

// The dispatcher's side of the queue: lease due deliveries and give them back. Row locks last
// only for the leasing transaction; the lease itself is `lease_owner` and `leased_until` in
// the row, so it survives the connection and expires if its gateway dies.
extension PostgresDeliveryStore {
    private static let leaseReturning = """
        RETURNING d.id, d.seq, d.notification_id, d.app_id, d.vendor, d.token, d.environment, d.attempts,
            d.ambiguous_attempts, d.next_attempt_at
        """

    /// Takes over up to `limit` expired leases (their gateway crashed or hung), oldest expiry
    /// first, in any lane. An expired lease may have reached the vendor before its gateway
    /// died: it counts as one ambiguous attempt, so a delivery that kills every gateway that
    /// sends it runs out of attempts instead of looping.
    static func leaseExpiredQuery(until: Int64, owner: String, now: Int64, limit: Int) -> PostgresQuery {
        """
        UPDATE deliveries AS d
        SET leased_until = \(until), lease_owner = \(owner), updated_at = \(now),
            attempts = d.attempts + 1, ambiguous_attempts = d.ambiguous_attempts + 1,
            last_kind = 'ambiguous', last_status = NULL,
            last_reason = 'the gateway holding the lease stopped before recording an outcome',
            last_stage = 'leaseExpired', last_at = \(now)
        FROM (
            SELECT id FROM deliveries
            WHERE state = 'sending' AND leased_until <= \(now)
            ORDER BY leased_until LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ) AS s
        WHERE d.id = s.id
        \(unescaped: Self.leaseReturning)
        """
    }

    /// Leases up to `limit` due deliveries of one lane, oldest due first: one range of
    /// `deliveries_lane_due`, rows another dispatcher is leasing right now skipped.
    static func leaseLaneQuery(
        _ lane: StoredLane, until: Int64, owner: String, now: Int64, limit: Int
    ) -> PostgresQuery {
        """
        UPDATE deliveries AS d
        SET state = 'sending', leased_until = \(until), lease_owner = \(owner), updated_at = \(now)
        FROM (
            SELECT id FROM deliveries
            WHERE state = 'queued' AND app_id = \(lane.appID) AND vendor = \(lane.vendor)
                AND environment = \(lane.environment) AND next_attempt_at <= \(now)
            ORDER BY next_attempt_at, seq LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ) AS s
        WHERE d.id = s.id
        \(unescaped: Self.leaseReturning)
        """
    }

    /// `queued_lanes (app_id, vendor, environment, due)`: every lane with queued deliveries and
    /// its earliest due time, with one index seek per lane (a loose index scan over
    /// `deliveries_lane_due`) rather than one step per queued row.
    static let queuedLanesCTE = """
        WITH RECURSIVE queued_lanes (app_id, vendor, environment, due) AS (
            (
                SELECT app_id, vendor, environment, next_attempt_at FROM deliveries
                WHERE state = 'queued'
                ORDER BY app_id, vendor, environment, next_attempt_at, seq LIMIT 1
            )
            UNION ALL
            SELECT n.app_id, n.vendor, n.environment, n.due FROM queued_lanes AS l
            CROSS JOIN LATERAL (
                SELECT app_id, vendor, environment, next_attempt_at AS due FROM deliveries
                WHERE state = 'queued' AND (app_id, vendor, environment) > (l.app_id, l.vendor, l.environment)
                ORDER BY app_id, vendor, environment, next_attempt_at, seq LIMIT 1
            ) AS n
        )
        """

    /// ` AND (app_id, vendor, environment) NOT IN (…)` over the excluded lanes, bound as arrays.
    static func excludedLanes(_ lanes: Set<Lane>) -> (apps: [String], vendors: [String], environments: [String]) {
        let sorted = lanes.sorted { $0.description < $1.description }
        return (sorted.map(\.appID), sorted.map(\.vendor.rawValue), sorted.map(\.environment.rawValue))
    }

    /// A lane as its rows store it (raw values, so that a row this gateway cannot decode is
    /// still leased, and then failed as unreadable, instead of never being seen).
    struct StoredLane: Hashable, Comparable, Sendable {
        var appID: String
        var vendor: String
        var environment: String

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.appID, lhs.vendor, lhs.environment) < (rhs.appID, rhs.vendor, rhs.environment)
        }
    }

    package func leaseDue(
        limit: Int,
        owner: String,
        now: Date,
        leaseDuration: Duration,
        excluding lanes: Set<Lane>
    ) async throws -> [LeasedDelivery] {
        guard limit > 0 else { return [] }
        let nowMilliseconds = now.storeMilliseconds
        let until = (now + leaseDuration).storeMilliseconds
        let excluded = Self.excludedLanes(lanes)
        let logger = self.logger
        let rows = try await self.withTransaction("lease due deliveries") { connection in
            var rows = try await connection.rows(
                Self.leaseExpiredQuery(until: until, owner: owner, now: nowMilliseconds, limit: limit), logger: logger)
            let dueLanes = try await connection.rows(
                """
                \(unescaped: Self.queuedLanesCTE)
                SELECT app_id, vendor, environment, due FROM queued_lanes
                WHERE due <= \(nowMilliseconds) AND (app_id, vendor, environment) NOT IN (
                    SELECT * FROM unnest(\(excluded.apps)::text[], \(excluded.vendors)::text[], \
                \(excluded.environments)::text[])
                )
                """,
                logger: logger
            ).map { row in
                (
                    lane: StoredLane(
                        appID: try row.value("app_id"), vendor: try row.value("vendor"),
                        environment: try row.value("environment")),
                    due: try row.value("due", as: Int64.self)
                )
            }
            // Round robin (ARCHITECTURE rule 6), as on SQLite, the lanes due longest first.
            let open = dueLanes.sorted { ($0.due, $0.lane) < ($1.due, $1.lane) }.map(\.lane)
            rows += try await LaneShares.roundRobin(limit - rows.count, over: open) { lane, share in
                try await connection.rows(
                    Self.leaseLaneQuery(lane, until: until, owner: owner, now: nowMilliseconds, limit: share),
                    logger: logger)
            }
            return try rows.map(LeasedRow.init)
        }
        return try await self.completeLease(rows, owner: owner, now: now)
    }

    /// What the lease statements return, decoded as far as the row allows.
    struct LeasedRow: Sendable {
        var id: UUID
        var seq: Int64
        var dueAt: Int64
        var notificationID: UUID
        var appID: String
        var target: Result<DeviceTarget, StoreError>
        var attempts: Int
        var ambiguousAttempts: Int

        init(_ row: PostgresRandomAccessRow) throws {
            self.id = try row.value("id")
            self.seq = try row.value("seq")
            self.dueAt = try row.value("next_attempt_at")
            self.notificationID = try row.value("notification_id")
            self.appID = try row.value("app_id")
            do {
                self.target = .success(try row.deviceTarget())
            } catch let error as StoreError {
                self.target = .failure(error)
            }
            self.attempts = try row.value("attempts")
            self.ambiguousAttempts = try row.value("ambiguous_attempts")
        }
    }

    /// Adds the notification bodies, read after the lease committed (notifications never
    /// change), each decoded once however many of its deliveries were leased. Deliveries whose
    /// row or body does not decode are failed rather than returned or left leased: they would
    /// otherwise expire and be leased again forever.
    private func completeLease(_ rows: [LeasedRow], owner: String, now: Date) async throws -> [LeasedDelivery] {
        guard !rows.isEmpty else { return [] }
        // RETURNING has no order; the contract is oldest due first, then arrival.
        let leased = rows.sorted { ($0.dueAt, $0.seq) < ($1.dueAt, $1.seq) }
        var notificationIDs: [UUID] = []
        var seen: Set<UUID> = []
        for row in leased where seen.insert(row.notificationID).inserted { notificationIDs.append(row.notificationID) }
        // If this read fails, the deliveries stay leased until the lease runs out, then go again.
        let bodies = try await self.notificationBodies(notificationIDs)

        var result: [LeasedDelivery] = []
        result.reserveCapacity(leased.count)
        var unreadable: [(id: UUID, error: any Error)] = []
        for row in leased {
            let target: DeviceTarget
            switch row.target {
            case .success(let value): target = value
            case .failure(let error):
                unreadable.append((row.id, error))
                continue
            }
            let body: NotificationBody
            switch bodies[row.notificationID] {
            case .success(let value)?: body = value
            case .failure(let error)?:
                unreadable.append((row.id, error))
                continue
            case nil:
                unreadable.append((row.id, StoreError.corrupt("notification \(row.notificationID) is missing")))
                continue
            }
            result.append(
                LeasedDelivery(
                    id: row.id, notificationID: row.notificationID, appID: row.appID, notification: body.notification,
                    target: target, attempts: row.attempts, ambiguousAttempts: row.ambiguousAttempts,
                    expiresAt: body.expiresAt, acceptedAt: body.acceptedAt))
        }
        if !unreadable.isEmpty { try await self.failUnreadable(unreadable, owner: owner, now: now) }
        return result
    }

    struct NotificationBody: Sendable {
        var notification: PushgateCore.Notification
        var acceptedAt: Date
        var expiresAt: Date?
    }

    private func notificationBodies(_ ids: [UUID]) async throws -> [UUID: Result<NotificationBody, StoreError>] {
        let rows = try await self.rows(
            "lease: read notification bodies",
            "SELECT id, body, accepted_at, expires_at FROM notifications WHERE id = ANY(\(ids)::uuid[])")
        let decoder = NotificationBodyCoding.makeDecoder()
        var bodies: [UUID: Result<NotificationBody, StoreError>] = [:]
        for row in rows {
            let id: UUID = try row.value("id")
            do {
                bodies[id] = .success(
                    NotificationBody(
                        notification: try NotificationBodyCoding.decode(
                            try row.value("body", as: String.self), notificationID: id, with: decoder),
                        acceptedAt: try row.date("accepted_at"),
                        expiresAt: try row.optionalDate("expires_at")))
            } catch let error as StoreError {
                bodies[id] = .failure(error)
            }
        }
        return bodies
    }

    private func failUnreadable(_ deliveries: [(id: UUID, error: any Error)], owner: String, now: Date) async throws {
        for delivery in deliveries {
            self.logger.error(
                "stored delivery is unreadable; failing it",
                metadata: [StoreLogKey.deliveryID: "\(delivery.id.lowercasedString)", "error": "\(delivery.error)"])
        }
        let updates = deliveries.map { delivery in
            DeliveryUpdate(
                deliveryID: delivery.id, state: .failed, countsAttempt: false,
                lastOutcome: LastOutcome(
                    kind: DeliveryOutcome.Kind.permanent.rawValue,
                    vendorReason: "store: stored delivery or notification unreadable", at: now))
        }
        _ = try await self.record(updates, owner: owner)
    }

    package func release(deliveryIDs: [UUID], owner: String) async throws {
        guard !deliveryIDs.isEmpty else { return }
        let now = self.clock.now().storeMilliseconds
        // next_attempt_at is kept: it was due when leased, so the delivery is due again at once
        // and keeps its place in its lane.
        let released = try await self.rows(
            "release leased deliveries",
            """
            UPDATE deliveries SET state = 'queued', leased_until = NULL, lease_owner = NULL, updated_at = \(now)
            WHERE state = 'sending' AND lease_owner = \(owner) AND id = ANY(\(deliveryIDs)::uuid[])
            RETURNING id
            """)
        if !released.isEmpty { self.notifier.workArrived() }
    }
}
