/// A failure of the durable store: the database could not be reached or written, its content
/// is not what this gateway understands, or the store was closed. Input errors the API reports
/// (bad JSON, wrong key) never get here; a `StoreError` is a server-side problem.
///
/// Its description names the operation and the row at fault but never a device token.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; an extensible set.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case closed
            case schemaTooNew
            case migrationFailed
            case corruptData
            case conflict
            case invalidArgument
            case database
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The store was closed (or is closing) before the call was queued.
        public static let closed = Code(.closed)
        /// The database was written by a newer gateway: its schema version is unknown here.
        public static let schemaTooNew = Code(.schemaTooNew)
        /// A schema migration failed; nothing of it was applied.
        public static let migrationFailed = Code(.migrationFailed)
        /// A stored row does not decode (unknown state, malformed id, notification JSON that
        /// no longer parses).
        public static let corruptData = Code(.corruptData)
        /// A unique key already exists: a notification or delivery id was stored before.
        public static let conflict = Code(.conflict)
        /// The caller passed something the store cannot apply (for example a `sending` update).
        public static let invalidArgument = Code(.invalidArgument)
        /// Any other database failure (I/O, disk full, lock timeout).
        public static let database = Code(.database)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    /// What the store was doing and what went wrong.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "store \(self.code): \(self.message)" }

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
