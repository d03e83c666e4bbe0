import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `query` and reads every row it returns (a result left unread would hold the
    /// connection).
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await self.query(query, logger: logger).rows()
    }

    /// `body` inside BEGIN … COMMIT; any error rolls back and is rethrown as it was (not wrapped
    /// in postgres-nio's transaction error, so that callers can tell a constraint from a lost
    /// connection).
    func inTransaction<Result>(
        logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await self.rows("BEGIN", logger: logger)
        do {
            let result = try await body(self)
            try await self.rows("COMMIT", logger: logger)
            return result
        } catch {
            // After a failed COMMIT the server has already ended the transaction; the ROLLBACK
            // then only draws a warning. On a broken connection it fails too, and the pool drops it.
            _ = try? await self.rows("ROLLBACK", logger: logger)
            throw error
        }
    }
}
