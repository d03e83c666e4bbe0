import NIOCore
import PostgresNIO

/// How every store call reaches PostgreSQL: a pool connection, within the call deadline, with
/// failures turned into `StoreError`s that name the operation. A value, so that the accept
/// writer can use it without holding the store.
struct PostgresCalls: Sendable {
    let client: PostgresClient
    let timeout: Duration
    let eventLoop: any EventLoop

    func withConnection<Result: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let client = self.client
        return try await PostgresCallDeadline.run(operation, timeout: self.timeout, on: self.eventLoop) {
            do {
                return try await client.withConnection { connection in try await body(connection) }
            } catch {
                throw StoreError.wrappingPostgres(error, context: operation)
            }
        }
    }
}
