import PushgateCore

extension PostgresDeliveryStore {
    /// Tuning of the PostgreSQL store. Every network call has a deadline from here.
    package struct Configuration: Sendable {
        /// Longest a TCP (and TLS) connection attempt may take.
        package var connectTimeout: Duration = .seconds(5)
        /// Longest any store call may take, waiting for a connection included. Past it the call
        /// fails with a `StoreError` (the API answers 503): an unreachable database must not
        /// hold requests or the dispatcher.
        package var callTimeout: Duration = .seconds(5)
        /// Set on every connection: the server ends a statement running longer.
        package var statementTimeout: Duration = .seconds(30)
        /// Set on every connection: the server ends a session idle inside a transaction for
        /// longer (a hung gateway), so it cannot hold row locks or hold back vacuum.
        package var idleInTransactionTimeout: Duration = .seconds(60)

        /// Group commit: most submissions in one transaction.
        package var groupCommitMaxBatch: Int = 128
        /// Transactions committing accept batches at once, each on a pool connection (at most
        /// the pool's size less one, so that reads and leases always find a connection).
        package var acceptWriters: Int = 4
        /// Backpressure, as in the SQLite store: beyond these bounds an accept is refused at
        /// once with `overloaded`.
        package var maxQueuedSubmissions: Int = 8_192
        package var maxQueuedBytes: Int = 64 * 1024 * 1024
        /// Longest a submission waits for a writer before it is refused (never written).
        package var queueTimeout: Duration = .seconds(5)

        /// How often the store signals work while it has no LISTEN connection.
        package var pollInterval: Duration = .seconds(1)
        /// Least time between two NOTIFYs this instance sends: a burst of batches is one wake-up.
        package var notifyDebounce: Duration = .milliseconds(5)

        package init() {}

        /// Reports every invalid value at once.
        package func validate() throws {
            var problems: [String] = []
            if self.acceptWriters < 1 { problems.append("acceptWriters must be at least 1") }
            for (name, value) in [
                ("connectTimeout", self.connectTimeout), ("callTimeout", self.callTimeout),
                ("statementTimeout", self.statementTimeout),
                ("idleInTransactionTimeout", self.idleInTransactionTimeout),
                ("queueTimeout", self.queueTimeout), ("pollInterval", self.pollInterval),
            ] where value <= .zero {
                problems.append("\(name) must be positive")
            }
            if self.notifyDebounce < .zero { problems.append("notifyDebounce must not be negative") }
            if self.groupCommitMaxBatch < 1 { problems.append("groupCommitMaxBatch must be at least 1") }
            if self.maxQueuedSubmissions < 1 { problems.append("maxQueuedSubmissions must be at least 1") }
            if self.maxQueuedBytes < 1 { problems.append("maxQueuedBytes must be at least 1") }
            guard problems.isEmpty else {
                throw PushgateError.invalidConfiguration("store: " + problems.joined(separator: "; "))
            }
        }
    }
}
