import SQLiteNIO

extension StoreError {
    /// Gives a failure from SQLite its context. Store errors and cancellation pass through
    /// unchanged; unique-key violations become `.conflict`, a full disk `.diskFull`, everything else `.database`.
    static func wrapping(_ error: any Error, context: @autoclosure () -> String) -> any Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        case let sqlite as SQLiteError:
            switch sqlite.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintUniqueRowIDFailed:
                return StoreError(code: .conflict, message: "\(context()): \(sqlite.message)")
            case .full:
                return StoreError(code: .diskFull, message: "\(context()): \(sqlite.message)")
            default:
                return StoreError(code: .database, message: "\(context()): \(sqlite)")
            }
        default:
            return StoreError(code: .database, message: "\(context()): \(error)")
        }
    }
}
