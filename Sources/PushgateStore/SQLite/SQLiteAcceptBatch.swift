import Logging
import NIOCore
import SQLiteNIO

/// One group commit: a batch of submissions stored in a single transaction, each of them
/// all-or-nothing.
///
/// The fast path writes the whole batch with one multi-row INSERT per table (a handful of
/// statements, whatever the batch size: every statement is a hop to SQLite's thread). If that
/// fails — a notification or delivery id that already exists — the transaction is rolled back
/// and the batch is stored again one submission at a time, each inside its own SAVEPOINT, so
/// that the failing submission fails alone and the others still commit.
///
/// Idempotency is decided here, inside the writer's transaction, so concurrent requests with
/// one key cannot both be accepted: the first submission for an (app, key) in the batch is its
/// leader; later ones with the same key are answered from the leader's stored record
/// (`replay` with its exact response bytes, or `keyReuseMismatch`). If the leader failed, they
/// go back to the queue and are tried in the next batch.
enum SQLiteAcceptBatch {
    typealias Pending = QueuedAccept<PreparedSubmission>

    struct Outcome {
        /// Submissions stored as queued work (not leased at insert): dispatchers are woken for them.
        var queuedForLeasing: Int
        /// Submissions to retry in the next batch (their key's leader failed).
        var deferred: [Pending]
    }

    private typealias KeyID = PreparedSubmission.KeyID

    /// Rows per multi-row INSERT: well under SQLite's bind limit, and large enough that a
    /// batch of 64 single-device submissions is one statement per table.
    private static let rowsPerStatement = 500
    /// (app, key) pairs per idempotency look-up.
    private static let keysPerLookup = 250

    /// Stores the batch and answers every caller whose result is final. Callers are answered
    /// only after COMMIT returned (ARCHITECTURE rule 1).
    static func commit(_ batch: [Pending], on connection: SQLiteConnection, logger: Logger) async -> Outcome {
        let keyed = IdempotencyLeaders(keys: batch.map(\.submission.key))
        let submissions = keyed.leaders.map { batch[$0].submission }

        var results: [Result<AcceptResult, any Error>]
        var storedKeys: [KeyID: IdempotencyRecord]
        do {
            try await connection.execute("BEGIN IMMEDIATE", context: "accept: begin group commit")
            do {
                (results, storedKeys) = try await self.storeAll(submissions, on: connection)
            } catch {
                logger.debug(
                    "group commit falls back to one savepoint per submission",
                    metadata: [StoreLogKey.batchSize: "\(batch.count)", "error": "\(error)"]
                )
                await connection.rollbackQuietly(logger: logger)
                try await connection.execute("BEGIN IMMEDIATE", context: "accept: begin group commit (retry)")
                (results, storedKeys) = try await self.storeOneByOne(submissions, on: connection)
            }
            try await connection.execute("COMMIT", context: "accept: commit \(batch.count) submissions")
        } catch {
            await connection.rollbackQuietly(logger: logger)
            let failure = StoreError.wrapping(error, context: "accept: group commit of \(batch.count) submissions")
            logger.error(
                "group commit failed", metadata: [StoreLogKey.batchSize: "\(batch.count)", "error": "\(failure)"])
            for pending in batch { pending.reply.resume(throwing: failure) }
            return Outcome(queuedForLeasing: 0, deferred: [])
        }

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
                guard let key = submission.key, let stored = storedKeys[key] else {
                    deferred.append(batch[follower])
                    continue
                }
                batch[follower].reply.resume(returning: stored.answer(requestHash: submission.requestHash))
            }
        }
        return Outcome(queuedForLeasing: queuedForLeasing, deferred: deferred)
    }

    // MARK: Paths

    /// The fast path: look every key up at once, then insert every new submission with one
    /// multi-row INSERT per table. Throws if any row conflicts; the caller then rolls back.
    private static func storeAll(
        _ submissions: [PreparedSubmission],
        on connection: SQLiteConnection
    ) async throws -> ([Result<AcceptResult, any Error>], [KeyID: IdempotencyRecord]) {
        var storedKeys = try await self.lookUp(submissions, on: connection)
        var results: [Result<AcceptResult, any Error>] = []
        results.reserveCapacity(submissions.count)
        var new: [PreparedSubmission] = []
        for submission in submissions {
            if let key = submission.key, let stored = storedKeys[key] {
                results.append(.success(stored.answer(requestHash: submission.requestHash)))
            } else {
                results.append(.success(.accepted))
                new.append(submission)
            }
        }
        try await self.insert(new, on: connection)
        for submission in new {
            if let key = submission.key, let hash = submission.requestHash {
                storedKeys[key] = IdempotencyRecord(requestHash: hash, response: submission.responseBody)
            }
        }
        return (results, storedKeys)
    }

    /// The careful path: each submission in its own SAVEPOINT; one that fails is rolled back
    /// to its savepoint and fails alone. Throws only if the transaction itself is lost.
    private static func storeOneByOne(
        _ submissions: [PreparedSubmission],
        on connection: SQLiteConnection
    ) async throws -> ([Result<AcceptResult, any Error>], [KeyID: IdempotencyRecord]) {
        var results: [Result<AcceptResult, any Error>] = []
        var storedKeys: [KeyID: IdempotencyRecord] = [:]
        for submission in submissions {
            try await connection.execute("SAVEPOINT submission", context: "accept: savepoint")
            do {
                if let key = submission.key, let stored = try await self.lookUp([submission], on: connection)[key] {
                    results.append(.success(stored.answer(requestHash: submission.requestHash)))
                    storedKeys[key] = stored
                } else {
                    try await self.insert([submission], on: connection)
                    results.append(.success(.accepted))
                    if let key = submission.key, let hash = submission.requestHash {
                        storedKeys[key] = IdempotencyRecord(requestHash: hash, response: submission.responseBody)
                    }
                }
                try await connection.execute("RELEASE submission", context: "accept: release savepoint")
            } catch {
                // If SQLite already dropped the whole transaction (I/O error, disk full), the
                // savepoint is gone: then the whole batch fails, as it must, with the error
                // that caused it (not the savepoint's).
                do {
                    try await connection.execute("ROLLBACK TO submission", context: "accept: roll back one submission")
                    try await connection.execute("RELEASE submission", context: "accept: release savepoint")
                } catch _ {
                    throw error
                }
                results.append(
                    .failure(
                        StoreError.wrapping(error, context: "accept: notification \(submission.notificationID)")
                    )
                )
            }
        }
        return (results, storedKeys)
    }

    // MARK: Statements

    /// The live records of the submissions' keys; a record older than its submission's
    /// window start is left out (the submission then replaces it).
    private static func lookUp(
        _ submissions: [PreparedSubmission], on connection: SQLiteConnection
    ) async throws -> [KeyID: IdempotencyRecord] {
        let keyed = submissions.compactMap { submission in
            submission.key.map { (key: $0, validSince: submission.keyValidSince ?? .distantPast) }
        }
        var stored: [KeyID: IdempotencyRecord] = [:]
        var start = 0
        while start < keyed.count {
            let chunk = keyed[start..<min(keyed.count, start + self.keysPerLookup)]
            start += chunk.count
            let sql =
                "SELECT k.app_id, k.key, k.request_hash, k.response FROM (VALUES "
                + repeatElement("(?, ?, ?)", count: chunk.count).joined(separator: ", ")
                + ") AS v JOIN idempotency_keys AS k"
                + " ON k.app_id = v.column1 AND k.key = v.column2 AND k.created_at >= v.column3"
            var binds: [SQLiteData] = []
            binds.reserveCapacity(chunk.count * 3)
            for entry in chunk {
                binds.append(.text(entry.key.appID))
                binds.append(.text(entry.key.key))
                binds.append(.date(entry.validSince))
            }
            for row in try await connection.rows(sql, binds, context: "accept: look up idempotency keys") {
                let key = KeyID(appID: try row.string("app_id"), key: try row.string("key"))
                stored[key] = IdempotencyRecord(
                    requestHash: try row.string("request_hash"), response: try row.bytes("response"))
            }
        }
        return stored
    }

    private static func insert(_ submissions: [PreparedSubmission], on connection: SQLiteConnection) async throws {
        guard !submissions.isEmpty else { return }
        try await self.insertRows(
            into: "notifications " + PreparedSubmission.notificationColumns,
            placeholders: PreparedSubmission.notificationPlaceholders,
            rowCount: submissions.count,
            binds: submissions.flatMap(\.notificationBinds),
            on: connection
        )
        let deliveryCount = submissions.reduce(0) { $0 + $1.deliveryCount }
        try await self.insertRows(
            into: "deliveries " + PreparedSubmission.deliveryColumns,
            placeholders: PreparedSubmission.deliveryPlaceholders,
            rowCount: deliveryCount,
            binds: submissions.flatMap(\.deliveryBinds),
            on: connection
        )
        // OR REPLACE: a key found here was absent or expired (`lookUp`), so an expired record
        // under it is replaced; a live one never reaches this insert.
        let keyed = submissions.filter { !$0.idempotencyBinds.isEmpty }
        try await self.insertRows(
            verb: "INSERT OR REPLACE",
            into: "idempotency_keys " + PreparedSubmission.idempotencyColumns,
            placeholders: PreparedSubmission.idempotencyPlaceholders,
            rowCount: keyed.count,
            binds: keyed.flatMap(\.idempotencyBinds),
            on: connection
        )
    }

    /// Multi-row INSERTs of `rowCount` rows whose binds are laid out one row after the other.
    static func insertRows(
        verb: String = "INSERT",
        into table: String,
        placeholders: String,
        rowCount: Int,
        binds: [SQLiteData],
        on connection: SQLiteConnection
    ) async throws {
        guard rowCount > 0 else { return }
        let columns = binds.count / rowCount
        var start = 0
        while start < rowCount {
            let rows = min(self.rowsPerStatement, rowCount - start)
            let sql =
                "\(verb) INTO \(table) VALUES " + repeatElement(placeholders, count: rows).joined(separator: ", ")
            // One statement for every row (the usual case) binds the array as it is, not a copy.
            let statementBinds = rows == rowCount ? binds : Array(binds[(start * columns)..<((start + rows) * columns)])
            try await connection.execute(
                sql,
                statementBinds,
                context: "insert into \(table.prefix { $0 != " " })"
            )
            start += rows
        }
    }
}
