import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL store's schema as an ordered list of migrations, recorded in
/// `schema_migrations` and applied at open in one transaction under an advisory lock, so that
/// several gateways starting at once on a new database migrate it exactly once.
///
/// Rules for changing it: never edit a migration that has shipped; append one with the next
/// version. A database whose recorded version is newer than the last one here was migrated by
/// a newer gateway and is refused (`StoreError.schemaTooNew`).
///
/// Conventions: ids are `uuid`; times are `bigint` milliseconds since 1970 (exact comparisons,
/// no time-zone conversions); notification bodies are the JSON of `PushgateCore.Notification`.
///
/// The queue the dispatchers scan (`deliveries`) holds only live work, `queued` or `sending`:
/// a delivery that reaches a final state moves to `delivery_history` in the transaction that
/// records it, so the hot table and its indexes stay as small as the backlog (STORE-NOTES:
/// index bloat from finished rows cost a quarter of lease throughput).
enum PostgresSchema {
    struct Migration: Sendable {
        var version: Int
        var statements: [String]
    }

    /// Key of the advisory lock that serializes migrations (any constant; "pushgate" in ASCII).
    static let migrationLock: Int64 = 0x7075_7368_6761_7465
    /// Key of the advisory lock that orders invalid-token inserts (`PostgresDeliveryStore.record`).
    static let invalidTokenFeedLock: Int64 = 0x7075_7368_6669_6e76

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            statements: [
                """
                CREATE TABLE notifications (
                    id uuid PRIMARY KEY,
                    app_id text NOT NULL,
                    body text NOT NULL,
                    accepted_at bigint NOT NULL,
                    expires_at bigint
                )
                """,
                // Retention walks notifications from the oldest and stops at the cut-off.
                "CREATE INDEX notifications_accepted ON notifications (accepted_at)",
                // `seq` is the arrival order: within one due time, deliveries are leased in the
                // order they were accepted (and targets in request order).
                // Autovacuum: every row here is updated or deleted within seconds of its insert,
                // so vacuum runs after 1% of the table changed instead of PostgreSQL's 20%.
                """
                CREATE TABLE deliveries (
                    id uuid PRIMARY KEY,
                    seq bigint GENERATED ALWAYS AS IDENTITY,
                    notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
                    position integer NOT NULL,
                    app_id text NOT NULL,
                    vendor text NOT NULL,
                    token text NOT NULL,
                    environment text NOT NULL,
                    state text NOT NULL CHECK (state IN ('queued', 'sending')),
                    attempts integer NOT NULL DEFAULT 0,
                    ambiguous_attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at bigint NOT NULL,
                    leased_until bigint,
                    lease_owner text,
                    last_kind text,
                    last_status integer,
                    last_reason text,
                    last_stage text,
                    last_at bigint,
                    updated_at bigint NOT NULL
                ) WITH (
                    autovacuum_vacuum_scale_factor = 0.01,
                    autovacuum_vacuum_threshold = 1000,
                    autovacuum_vacuum_insert_scale_factor = 0.05,
                    autovacuum_analyze_scale_factor = 0.02,
                    autovacuum_vacuum_cost_delay = 0
                )
                """,
                // Exactly the lease query's shape (lane equality, then due order): one range per
                // lane, nothing sorted, and only queued rows in it.
                """
                CREATE INDEX deliveries_lane_due ON deliveries (app_id, vendor, environment, next_attempt_at, seq)
                WHERE state = 'queued'
                """,
                "CREATE INDEX deliveries_lease_expiry ON deliveries (leased_until) WHERE state = 'sending'",
                "CREATE INDEX deliveries_notification ON deliveries (notification_id)",
                """
                CREATE TABLE delivery_history (
                    id uuid PRIMARY KEY,
                    notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
                    position integer NOT NULL,
                    app_id text NOT NULL,
                    vendor text NOT NULL,
                    token text NOT NULL,
                    environment text NOT NULL,
                    state text NOT NULL CHECK (state IN (
                        'delivered', 'failed', 'invalid_token', 'expired', 'cancelled', 'ambiguous'
                    )),
                    attempts integer NOT NULL,
                    ambiguous_attempts integer NOT NULL,
                    last_kind text,
                    last_status integer,
                    last_reason text,
                    last_stage text,
                    last_at bigint,
                    updated_at bigint NOT NULL
                )
                """,
                "CREATE INDEX delivery_history_notification ON delivery_history (notification_id)",
                """
                CREATE TABLE idempotency_keys (
                    app_id text NOT NULL,
                    key text NOT NULL,
                    request_hash text NOT NULL,
                    response bytea NOT NULL,
                    notification_id uuid NOT NULL,
                    created_at bigint NOT NULL,
                    PRIMARY KEY (app_id, key)
                )
                """,
                "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
                """
                CREATE TABLE invalid_tokens (
                    sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    app_id text NOT NULL,
                    vendor text NOT NULL,
                    token text NOT NULL,
                    reason text NOT NULL,
                    since bigint,
                    reported_at bigint NOT NULL
                )
                """,
                "CREATE INDEX invalid_tokens_feed ON invalid_tokens (app_id, sequence)",
                """
                CREATE TABLE webhook_events (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    app_id text NOT NULL,
                    body bytea NOT NULL,
                    attempts integer NOT NULL DEFAULT 0,
                    next_attempt_at bigint NOT NULL,
                    leased_until bigint
                )
                """,
                "CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at, id)",
            ])
    ]

    static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the database to the last version of `migrations` in one transaction, holding
    /// `migrationLock` so that concurrent openers wait and then find the work done. Returns
    /// how many migrations this call applied.
    static func migrate(
        _ connection: PostgresConnection,
        migrations: [Migration] = Self.migrations,
        now: Date,
        logger: Logger
    ) async throws -> Int {
        let target = migrations.last?.version ?? 0
        do {
            return try await connection.inTransaction(logger: logger) { connection in
                try await connection.rows("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
                try await connection.rows(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
                    logger: logger)
                let rows = try await connection.rows(
                    "SELECT coalesce(max(version), 0) AS version FROM schema_migrations", logger: logger)
                let current = try rows.first?.value("version", as: Int.self) ?? 0
                if current > target {
                    throw StoreError(
                        code: .schemaTooNew,
                        message: "the database is at schema version \(current) but this gateway knows versions up to "
                            + "\(target); it was migrated by a newer Pushgate")
                }
                var applied = 0
                for migration in migrations where migration.version > current {
                    for statement in migration.statements {
                        try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.rows(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), \(now.storeMilliseconds))",
                        logger: logger)
                    applied += 1
                    logger.info("store schema migrated", metadata: [StoreLogKey.schemaVersion: "\(migration.version)"])
                }
                return applied
            }
        } catch let error as StoreError where error.code == .schemaTooNew {
            throw error
        } catch {
            let wrapped = StoreError.wrappingPostgres(error, context: "schema migration")
            throw StoreError(
                code: .migrationFailed, message: "schema migration failed and was rolled back: \(wrapped)")
        }
    }
}
