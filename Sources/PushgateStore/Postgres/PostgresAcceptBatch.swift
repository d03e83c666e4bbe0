import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One group commit: the submissions an accept writer took, stored in one transaction with
/// one multi-row statement per table.
///
/// Idempotency keys are claimed first, with the unique (app, key) index and
/// `ON CONFLICT DO NOTHING`: a key another transaction (another gateway, say) holds or just
/// committed is not inserted, and its submission is answered from the stored record — replay
/// or mismatch — with nothing written. Two gateways racing on one key thus give one 202 and one
/// replay. A record older than its submission's window is deleted first and so replaced.
///
/// If a statement fails (a delivery id already stored), the batch is redone with one savepoint
/// per submission, so that only the bad submission fails.
enum PostgresAcceptBatch {
    typealias Pending = PostgresAcceptWriter.Pending
    typealias Prepared = PostgresPreparedSubmission
    typealias KeyID = PostgresPreparedSubmission.KeyID

    static func commit(_ batch: [Pending], calls: PostgresCalls, logger: Logger) async -> PostgresAcceptWriter.Outcome {
        let keyed = IdempotencyLeaders(keys: batch.map(\.submission.key))
        let submissions = keyed.leaders.map { batch[$0].submission }
        let stored: ([Result<AcceptResult, any Error>], [KeyID: IdempotencyRecord])
        do {
            stored = try await calls.withConnection("accept: group commit of \(batch.count)") {
                connection in
                do {
                    if submissions.allSatisfy({ $0.key == nil }) {
                        // No key to claim: the insert is one statement, atomic on its own, so it
                        // commits in one round trip instead of BEGIN, INSERT, COMMIT.
                        try await Self.insert(submissions, on: connection, logger: logger)
                        return (submissions.map { _ in .success(.accepted) }, [:])
                    }
                    return try await connection.inTransaction(logger: logger) { connection in
                        try await Self.storeAll(submissions, on: connection, logger: logger)
                    }
                } catch let error where StoreError.isStatementFailure(error) {
                    logger.debug(
                        "group commit falls back to one savepoint per submission",
                        metadata: [StoreLogKey.batchSize: "\(batch.count)"])
                    return try await connection.inTransaction(logger: logger) { connection in
                        try await Self.storeOneByOne(submissions, on: connection, logger: logger)
                    }
                }
            }
        } catch {
            let failure = StoreError.wrappingPostgres(error, context: "accept: group commit of \(batch.count)")
            logger.error(
                "group commit failed", metadata: [StoreLogKey.batchSize: "\(batch.count)", "error": "\(failure)"])
            for pending in batch { pending.reply.resume(throwing: failure) }
            return .init(queuedForLeasing: 0, deferred: [])
        }

        let (results, records) = stored
        var queuedForLeasing = 0
        var deferred: [Pending] = []
        for (position, leader) in keyed.leaders.enumerated() {
            let result = results[position]
            if case .success(.accepted) = result, batch[leader].submission.leaseOwner == nil {
                queuedForLeasing += 1
            }
            batch[leader].reply.resume(with: result)
            for follower in keyed.followers[leader] ?? [] {
                let submission = batch[follower].submission
                guard let key = submission.key, let record = records[key] else {
                    deferred.append(batch[follower])
                    continue
                }
                batch[follower].reply.resume(returning: record.answer(requestHash: submission.requestHash))
            }
        }
        return .init(queuedForLeasing: queuedForLeasing, deferred: deferred)
    }

    // MARK: Paths

    /// Claims the keys, answers the submissions whose key is taken, inserts the rest. Throws if
    /// any statement fails; the caller rolls back.
    private static func storeAll(
        _ submissions: [Prepared], on connection: PostgresConnection, logger: Logger
    ) async throws -> ([Result<AcceptResult, any Error>], [KeyID: IdempotencyRecord]) {
        var records: [KeyID: IdempotencyRecord] = [:]
        var taken: Set<KeyID> = []
        let keyed = submissions.filter { $0.key != nil }
        if !keyed.isEmpty {
            let claimed = try await Self.claimKeys(keyed, on: connection, logger: logger)
            taken = Set(keyed.compactMap(\.key)).subtracting(claimed)
            if !taken.isEmpty { records = try await Self.lookUp(taken, on: connection, logger: logger) }
        }
        var results: [Result<AcceptResult, any Error>] = []
        results.reserveCapacity(submissions.count)
        var new: [Prepared] = []
        for submission in submissions {
            if let key = submission.key, taken.contains(key) {
                if let record = records[key] {
                    results.append(.success(record.answer(requestHash: submission.requestHash)))
                } else {
                    // Claimed by another transaction and gone again (purged) before this one looked.
                    results.append(
                        .failure(
                            StoreError(
                                code: .conflict,
                                message: "accept: the idempotency key changed while it was stored; retry")))
                }
            } else {
                results.append(.success(.accepted))
                new.append(submission)
            }
        }
        try await Self.insert(new, on: connection, logger: logger)
        for submission in new {
            if let key = submission.key, let hash = submission.requestHash {
                records[key] = IdempotencyRecord(requestHash: hash, response: submission.responseBody)
            }
        }
        return (results, records)
    }

    /// Each submission in its own savepoint; one whose statement fails is rolled back to its
    /// savepoint and fails alone. Throws only if the transaction or connection is lost.
    private static func storeOneByOne(
        _ submissions: [Prepared], on connection: PostgresConnection, logger: Logger
    ) async throws -> ([Result<AcceptResult, any Error>], [KeyID: IdempotencyRecord]) {
        var results: [Result<AcceptResult, any Error>] = []
        var records: [KeyID: IdempotencyRecord] = [:]
        for submission in submissions {
            try await connection.rows("SAVEPOINT submission", logger: logger)
            do {
                let (result, stored) = try await Self.storeAll([submission], on: connection, logger: logger)
                try await connection.rows("RELEASE SAVEPOINT submission", logger: logger)
                results += result
                records.merge(stored) { _, new in new }
            } catch let error where StoreError.isStatementFailure(error) {
                try await connection.rows("ROLLBACK TO SAVEPOINT submission", logger: logger)
                try await connection.rows("RELEASE SAVEPOINT submission", logger: logger)
                results.append(
                    .failure(
                        StoreError.wrappingPostgres(error, context: "accept: notification \(submission.notificationID)")
                    ))
            }
        }
        return (results, records)
    }

    // MARK: Statements

    /// Deletes expired records of the keys, then inserts the keys that are free; returns those
    /// inserted. Keys go in sorted order so that two batches lock them in the same order.
    private static func claimKeys(
        _ keyed: [Prepared], on connection: PostgresConnection, logger: Logger
    ) async throws -> Set<KeyID> {
        let sorted = keyed.sorted {
            ($0.key?.appID ?? "", $0.key?.key ?? "") < ($1.key?.appID ?? "", $1.key?.key ?? "")
        }
        let apps = sorted.map { $0.key?.appID ?? "" }
        let keys = sorted.map { $0.key?.key ?? "" }
        let validSince = sorted.map { $0.keyValidSince ?? 0 }
        try await connection.rows(
            """
            DELETE FROM idempotency_keys AS k
            USING unnest(\(apps)::text[], \(keys)::text[], \(validSince)::bigint[]) AS v (app_id, key, valid_since)
            WHERE k.app_id = v.app_id AND k.key = v.key AND k.created_at < v.valid_since
            """,
            logger: logger)
        let hashes = sorted.map { $0.requestHash ?? "" }
        let responses = sorted.map { ByteBuffer(bytes: $0.responseBody) }
        let notifications = sorted.map(\.notificationID)
        let createdAt = sorted.map(\.acceptedAt)
        let rows = try await connection.rows(
            """
            INSERT INTO idempotency_keys (app_id, key, request_hash, response, notification_id, created_at)
            SELECT app_id, key, request_hash, response, notification_id, created_at
            FROM unnest(\(apps)::text[], \(keys)::text[], \(hashes)::text[], \(responses)::bytea[], \
            \(notifications)::uuid[], \(createdAt)::bigint[])
                AS k (app_id, key, request_hash, response, notification_id, created_at)
            ORDER BY app_id, key
            ON CONFLICT (app_id, key) DO NOTHING
            RETURNING app_id, key
            """,
            logger: logger)
        return Set(
            try rows.map { row in
                KeyID(appID: try row.value("app_id", as: String.self), key: try row.value("key", as: String.self))
            })
    }

    /// The stored records of keys this transaction could not claim. A new statement sees what
    /// the transaction that holds them committed.
    private static func lookUp(
        _ keys: Set<KeyID>, on connection: PostgresConnection, logger: Logger
    ) async throws -> [KeyID: IdempotencyRecord] {
        let ordered = Array(keys)
        let rows = try await connection.rows(
            """
            SELECT k.app_id, k.key, k.request_hash, k.response FROM idempotency_keys AS k
            JOIN unnest(\(ordered.map(\.appID))::text[], \(ordered.map(\.key))::text[]) AS v (app_id, key)
                ON k.app_id = v.app_id AND k.key = v.key
            """,
            logger: logger)
        var records: [KeyID: IdempotencyRecord] = [:]
        for row in rows {
            let key = KeyID(appID: try row.value("app_id", as: String.self), key: try row.value("key", as: String.self))
            records[key] = IdempotencyRecord(
                requestHash: try row.value("request_hash", as: String.self), response: try row.bytes("response"))
        }
        return records
    }

    /// The notifications and their deliveries, in one statement (the deliveries' foreign key is
    /// checked at its end, when the notifications are in).
    private static func insert(_ submissions: [Prepared], on connection: PostgresConnection, logger: Logger)
        async throws
    {
        guard !submissions.isEmpty else { return }

        var ids: [UUID] = []
        var notificationIDs: [UUID] = []
        var positions: [Int32] = []
        var apps: [String] = []
        var vendors: [String] = []
        var tokens: [String] = []
        var environments: [String] = []
        var dueAt: [Int64] = []
        var owners: [String] = []
        var leasedUntil: [Int64] = []
        for submission in submissions {
            for (position, delivery) in submission.deliveries.enumerated() {
                ids.append(delivery.id)
                notificationIDs.append(submission.notificationID)
                positions.append(Int32(position))
                apps.append(submission.appID)
                vendors.append(delivery.vendor)
                tokens.append(delivery.token)
                environments.append(delivery.environment)
                // Due at once: a new delivery's first attempt is at acceptance.
                dueAt.append(submission.acceptedAt)
                // Handed off after commit: leased already (`sending`), by the gateway that accepted it.
                owners.append(submission.leaseOwner ?? "")
                leasedUntil.append(submission.leasedUntil ?? PostgresTime.null)
            }
        }
        // Rows come out of unnest in array order, so `seq` follows the request's target order.
        try await connection.rows(
            """
            WITH n AS (
                INSERT INTO notifications (id, app_id, body, accepted_at, expires_at)
                SELECT id, app_id, body, accepted_at, NULLIF(expires_at, \(PostgresTime.null))
                FROM unnest(\(submissions.map(\.notificationID))::uuid[], \(submissions.map(\.appID))::text[], \
            \(submissions.map(\.body))::text[], \(submissions.map(\.acceptedAt))::bigint[], \
            \(submissions.map { $0.expiresAt ?? PostgresTime.null })::bigint[])
                    AS n (id, app_id, body, accepted_at, expires_at)
            )
            INSERT INTO deliveries (
                id, notification_id, position, app_id, vendor, token, environment, state, next_attempt_at, updated_at,
                lease_owner, leased_until
            )
            SELECT id, notification_id, position, app_id, vendor, token, environment,
                CASE WHEN lease_owner = '' THEN 'queued' ELSE 'sending' END, due_at, due_at,
                NULLIF(lease_owner, ''), NULLIF(leased_until, \(PostgresTime.null))
            FROM unnest(\(ids)::uuid[], \(notificationIDs)::uuid[], \(positions)::integer[], \(apps)::text[], \
            \(vendors)::text[], \(tokens)::text[], \(environments)::text[], \(dueAt)::bigint[], \(owners)::text[], \
            \(leasedUntil)::bigint[])
                AS d (id, notification_id, position, app_id, vendor, token, environment, due_at, lease_owner, leased_until)
            """,
            logger: logger)
    }
}
