import SQLiteNIO

// Read-only views of the database's own bookkeeping, for tests and operational checks.
extension SQLiteDeliveryStore {
    /// The migration versions recorded in the file, in order.
    func appliedSchemaVersions() async throws -> [Int] {
        let rows = try await self.readers.withConnection("read schema versions") { connection in
            try await connection.rows(
                "SELECT version FROM schema_migrations ORDER BY version", context: "schema versions")
        }
        return try rows.map { try $0.int("version") }
    }

    /// SQLite's schema cookie: it changes whenever any table or index is created or altered.
    func schemaCookie() async throws -> Int {
        let rows = try await self.readers.withConnection("read schema cookie") { connection in
            try await connection.rows("PRAGMA schema_version", context: "schema cookie")
        }
        return try rows.first?.int("schema_version") ?? 0
    }

    /// The names of the tables and indexes in the file.
    func schemaObjects() async throws -> [String] {
        let rows = try await self.readers.withConnection("read schema objects") { connection in
            try await connection.rows(
                "SELECT type || ' ' || name AS object FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1",
                context: "schema objects"
            )
        }
        return try rows.map { try $0.string("object") }
    }

    /// How SQLite plans a statement (`EXPLAIN QUERY PLAN`), one line per step.
    func queryPlan(_ sql: String) async throws -> [String] {
        let rows = try await self.readers.withConnection("explain query plan") { connection in
            try await connection.rows("EXPLAIN QUERY PLAN " + sql, context: "explain query plan")
        }
        return try rows.map { try $0.string("detail") }
    }
}

extension SQLiteDeliveryStore {
    /// `PRAGMA integrity_check`: `["ok"]` for a sound file, else SQLite's list of problems.
    package func integrityCheck() async throws -> [String] {
        try await self.writer.perform("integrity check") { connection in
            try await connection.rows("PRAGMA integrity_check", context: "integrity check").map {
                try $0.string("integrity_check")
            }
        }
    }

    /// The file's auto-vacuum mode: 0 none, 1 full, 2 incremental.
    func autoVacuumMode() async throws -> Int {
        try await self.writer.perform("read auto_vacuum") { connection in
            try await connection.rows("PRAGMA auto_vacuum", context: "auto_vacuum").first?.int("auto_vacuum") ?? -1
        }
    }

    /// Folds the WAL into the database file and truncates it, so the file's size is the data's.
    func checkpointNow() async throws {
        try await self.writer.perform("checkpoint") { connection in
            _ = try await connection.rows("PRAGMA wal_checkpoint(TRUNCATE)", context: "checkpoint")
        }
    }

    /// Holds the writer until `release` is called (as a stalled disk would): tests of the
    /// queue's bounds and deadlines.
    func blockWriter() async -> @Sendable () -> Void {
        let (gate, opener) = AsyncStream<Void>.makeStream()
        let (started, signalStarted) = AsyncStream<Void>.makeStream()
        Task {
            try? await self.writer.perform("blocked by a test") { _ in
                signalStarted.yield()
                for await _ in gate { break }
            }
        }
        for await _ in started { break }
        return {
            opener.yield()
            opener.finish()
        }
    }

    /// Runs one statement on the writer, as a writer job (repairs and tests that need to put
    /// the database in a particular state).
    func executeOnWriter(_ sql: String) async throws {
        try await self.writer.perform("maintenance statement") { connection in
            try await connection.execute(sql, context: "maintenance statement")
        }
    }
}
