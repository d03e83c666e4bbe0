import PostgresNIO

extension StoreError {
    /// Gives a failure from PostgreSQL its context, without the query's binds (tokens) or
    /// the password. Store errors and cancellation pass through; a unique-key violation is
    /// `.conflict`, a full disk `.diskFull`; everything else, unreachable database included, is
    /// `.database` (the API answers 503 with Retry-After).
    static func wrappingPostgres(_ error: any Error, context: @autoclosure () -> String) -> any Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        case let postgres as PSQLError:
            if postgres.code == .server, let info = postgres.serverInfo {
                let state = info[.sqlState] ?? "?"
                let message = "\(context()): PostgreSQL \(state): \(info[.message] ?? "error")"
                switch state {
                case "23505": return StoreError(code: .conflict, message: message)
                case "53100": return StoreError(code: .diskFull, message: message)
                default: return StoreError(code: .database, message: message)
                }
            }
            var reason = "\(postgres.code)"
            if let underlying = postgres.underlying { reason += " (\(underlying))" }
            return StoreError(code: .database, message: "\(context()): the database could not be reached: \(reason)")
        default:
            return StoreError(code: .database, message: "\(context()): \(error)")
        }
    }

    /// Whether a statement failed on the server while the connection stayed usable (a
    /// constraint, a deadlock): a batch can then be retried one submission at a time.
    static func isStatementFailure(_ error: any Error) -> Bool {
        (error as? PSQLError)?.code == .server
    }
}
