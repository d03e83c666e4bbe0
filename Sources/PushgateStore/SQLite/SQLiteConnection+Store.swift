import Logging
import SQLiteNIO

extension SQLiteConnection {
    /// Runs one statement on the connection's thread pool and returns its rows; failures carry
    /// `context` (what the store was doing).
    func rows(
        _ sql: String,
        _ binds: [SQLiteData] = [],
        context: @autoclosure () -> String
    ) async throws -> [SQLiteRow] {
        do {
            return try await self.query(sql, binds)
        } catch {
            throw StoreError.wrapping(error, context: context())
        }
    }

    /// Runs one statement whose rows, if any, are not needed.
    func execute(_ sql: String, _ binds: [SQLiteData] = [], context: @autoclosure () -> String) async throws {
        do {
            try await self.query(sql, binds) { _ in }
        } catch {
            throw StoreError.wrapping(error, context: context())
        }
    }

    /// `ROLLBACK` after a failed transaction. Its own failure is only logged: SQLite may have
    /// rolled back already (an I/O error does that), and the caller reports the first error.
    func rollbackQuietly(logger: Logger) async {
        do {
            try await self.query("ROLLBACK", []) { _ in }
        } catch {
            logger.debug("store rollback after a failure did not run", metadata: ["error": "\(error)"])
        }
    }
}
