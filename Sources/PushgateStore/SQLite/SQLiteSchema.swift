import Foundation
import Logging
import SQLiteNIO

/// The store's schema as an ordered list of migrations, applied at open in one transaction.
///
/// Rules for changing it: never edit a migration that has shipped; append a new one with the
/// next version. A file whose recorded version is newer than the last migration here was
/// written by a newer gateway and is refused (`StoreError.schemaTooNew`) rather than guessed at.
///
/// Conventions in the tables: ids are 16-byte BLOBs, times are integer milliseconds since
/// 1970, notification bodies are the JSON of `PushgateCore.Notification` as TEXT (so that
/// `json_extract` works from the sqlite3 shell).
enum SQLiteSchema {
    struct Migration: Sendable {
        var version: Int
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            statements: [
                """
                CREATE TABLE notifications (
                    id BLOB NOT NULL UNIQUE,
                    app_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    accepted_at INTEGER NOT NULL,
                    expires_at INTEGER
                )
                """,
                // A rowid table: deliveries are appended in rowid order while their UUID index takes
                // the random inserts. `state` is checked so that a typo can never park a delivery
                // in a state no query looks at.
                """
                CREATE TABLE deliveries (
                    id BLOB NOT NULL UNIQUE,
                    notification_id BLOB NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
                    app_id TEXT NOT NULL,
                    vendor TEXT NOT NULL,
                    token TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN (
                        'queued', 'sending', 'delivered', 'failed', 'invalid_token', 'expired', 'cancelled', 'ambiguous'
                    )),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    ambiguous_attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER,
                    leased_until INTEGER,
                    lease_owner TEXT,
                    last_kind TEXT,
                    last_status INTEGER,
                    last_reason TEXT,
                    last_stage TEXT,
                    last_at INTEGER,
                    updated_at INTEGER NOT NULL
                )
                """,
                // Partial indexes hold only live rows, so they stay small however many finished
                // deliveries pile up (STORE-NOTES: a full "due" index bloated 4x in one pass).
                "CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'queued'",
                "CREATE INDEX deliveries_lease_expiry ON deliveries (leased_until) WHERE state = 'sending'",
                "CREATE INDEX deliveries_notification ON deliveries (notification_id)",
                """
                CREATE TABLE idempotency_keys (
                    app_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    response BLOB NOT NULL,
                    notification_id BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (app_id, key)
                )
                """,
                "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
                """
                CREATE TABLE invalid_tokens (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                    app_id TEXT NOT NULL,
                    vendor TEXT NOT NULL,
                    token TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    since INTEGER,
                    reported_at INTEGER NOT NULL
                )
                """,
                "CREATE INDEX invalid_tokens_feed ON invalid_tokens (app_id, sequence)",
                """
                CREATE TABLE webhook_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    app_id TEXT NOT NULL,
                    body BLOB NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    leased_until INTEGER
                )
                """,
                "CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at)",
            ]),
        // Fair lanes: leases take due work lane by lane, so the queue's index leads with the lane.
        // A lane left out of a lease (paused, or holding enough) is then never read, however
        // long its backlog, and the lanes with queued work are found by skipping from one lane
        // to the next in this index (`SQLiteDeliveryStore.queuedLanesCTE`). The index it replaces
        // served only oldest-first leasing over all lanes, which no query does any more.
        Migration(
            version: 2,
            statements: [
                """
                CREATE INDEX deliveries_lane_due ON deliveries (app_id, vendor, environment, next_attempt_at)
                WHERE state = 'queued'
                """,
                "DROP INDEX deliveries_due",
            ]),
        // Retention walks notifications from the oldest and stops at the cut-off
        // (`purgeFinishedNotifications`), instead of scanning the whole table each time.
        Migration(
            version: 3,
            statements: ["CREATE INDEX notifications_accepted ON notifications (accepted_at)"]),
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the database to the last version of `migrations`, in one `BEGIN IMMEDIATE`
    /// transaction (so two processes opening the same new file cannot both create it).
    /// At the current version nothing is written.
    static func migrate(
        _ connection: SQLiteConnection,
        migrations: [Migration] = Self.migrations,
        now: Date,
        logger: Logger
    ) async throws {
        let target = migrations.last?.version ?? 0
        try await connection.execute("BEGIN IMMEDIATE", context: "schema: begin migration")
        do {
            try await connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
                context: "schema: create schema_migrations"
            )
            let rows = try await connection.rows(
                "SELECT max(version) AS version FROM schema_migrations",
                context: "schema: read version"
            )
            let current = try rows.first?.optionalInt("version") ?? 0
            if current > target {
                throw StoreError(
                    code: .schemaTooNew,
                    message: "the database is at schema version \(current) but this gateway knows versions up to "
                        + "\(target); it was written by a newer Pushgate"
                )
            }
            for migration in migrations where migration.version > current {
                for statement in migration.statements {
                    try await connection.execute(statement, context: "schema: migration \(migration.version)")
                }
                try await connection.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.integer(migration.version), .date(now)],
                    context: "schema: record migration \(migration.version)"
                )
                logger.info("store schema migrated", metadata: [StoreLogKey.schemaVersion: "\(migration.version)"])
            }
            try await connection.execute("COMMIT", context: "schema: commit migration")
        } catch {
            await connection.rollbackQuietly(logger: logger)
            if let storeError = error as? StoreError, storeError.code == .schemaTooNew || storeError.code == .closed {
                throw storeError
            }
            throw StoreError(code: .migrationFailed, message: "schema migration failed and was rolled back: \(error)")
        }
    }
}
