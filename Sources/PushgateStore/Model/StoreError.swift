/// A failure of the durable store: the database could not be reached or written, its content
/// is not what this gateway understands, or the store was closed. Input errors the API reports
/// (bad JSON, wrong key) never get here; a `StoreError` is a server-side problem.
///
/// Its description names the operation and the row at fault but never a device token.
package struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; an extensible set.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case closed
            case schemaTooNew
            case migrationFailed
            case corruptData
            case conflict
            case invalidArgument
            case overloaded
            case diskFull
            case database
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The store was closed (or is closing) before the call was queued.
        package static let closed = Code(.closed)
        /// The database was written by a newer gateway: its schema version is unknown here.
        package static let schemaTooNew = Code(.schemaTooNew)
        /// A schema migration failed; nothing of it was applied.
        package static let migrationFailed = Code(.migrationFailed)
        /// A stored row does not decode (unknown state, malformed id, notification JSON that
        /// no longer parses).
        package static let corruptData = Code(.corruptData)
        /// A unique key already exists: a notification or delivery id was stored before.
        package static let conflict = Code(.conflict)
        /// The caller passed something the store cannot apply (for example a `sending` update).
        package static let invalidArgument = Code(.invalidArgument)
        /// The store has more work queued than it takes, or a call waited past its deadline in
        /// the queue: nothing of the call was written; retry shortly.
        package static let overloaded = Code(.overloaded)
        /// The disk (or the database's size limit) is full: the transaction was rolled back.
        package static let diskFull = Code(.diskFull)
        /// Any other database failure (I/O, lock timeout).
        package static let database = Code(.database)

        package var description: String { self.base.rawValue }
    }

    package var code: Code
    /// What the store was doing and what went wrong.
    package var message: String

    package init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "store \(self.code): \(self.message)" }

    static func closed(_ operation: String) -> StoreError {
        StoreError(code: .closed, message: "\(operation): the store is closed")
    }

    static func corrupt(_ message: String) -> StoreError {
        StoreError(code: .corruptData, message: message)
    }

    static func invalidArgument(_ message: String) -> StoreError {
        StoreError(code: .invalidArgument, message: message)
    }
}
