import PushgateCore

extension SQLiteDeliveryStore {
    /// Tuning of the embedded store. The defaults follow STORE-NOTES' measurements on 2 cores.
    package struct Configuration: Sendable {
        /// Most submissions committed in one transaction (one fsync).
        package var groupCommitMaxBatch: Int = 512
        /// Longest the writer waits for more submissions before committing a batch. It waits
        /// only while callers are evidently concurrent (the previous batch held several), and
        /// stops as soon as as many are queued again; a lone caller is committed at once.
        /// Zero commits whatever is queued without waiting.
        package var groupCommitMaxDelay: Duration = .milliseconds(2)
        /// How long a connection waits for a lock held by another connection or process
        /// before failing with a database error.
        package var busyTimeout: Duration = .seconds(5)
        /// Commits (transactions of the writer) between two WAL checkpoints. SQLite's own
        /// checkpoint-inside-commit is switched off; the writer runs one between jobs instead.
        package var checkpointEvery: Int = 100
        /// Read-only connections for status reads, feeds, gauges and lease bodies.
        package var readConnections: Int = 2
        /// Page cache per connection, in KiB.
        package var cacheSizeKiB: Int = 16 * 1024
        /// After a checkpoint resets the WAL, its file is truncated to at most this size.
        package var walSizeLimitBytes: Int = 64 * 1024 * 1024

        /// Backpressure: submissions waiting for the writer, at most (by count and by their
        /// estimated memory). Beyond that an accept fails at once with `overloaded` (the API
        /// answers 503 with Retry-After) instead of growing memory while the disk falls behind.
        package var maxQueuedSubmissions: Int = 8_192
        package var maxQueuedBytes: Int = 64 * 1024 * 1024
        /// Longest a submission waits for the writer before it is refused (never written).
        package var queueTimeout: Duration = .seconds(5)

        package init() {}

        /// Reports every invalid value at once.
        package func validate() throws {
            var problems: [String] = []
            if self.groupCommitMaxBatch < 1 { problems.append("groupCommitMaxBatch must be at least 1") }
            if self.groupCommitMaxDelay < .zero { problems.append("groupCommitMaxDelay must not be negative") }
            if self.busyTimeout <= .zero { problems.append("busyTimeout must be positive") }
            if self.checkpointEvery < 1 { problems.append("checkpointEvery must be at least 1") }
            if self.readConnections < 1 { problems.append("readConnections must be at least 1") }
            if self.cacheSizeKiB < 0 { problems.append("cacheSizeKiB must not be negative") }
            if self.maxQueuedSubmissions < 1 { problems.append("maxQueuedSubmissions must be at least 1") }
            if self.maxQueuedBytes < 1 { problems.append("maxQueuedBytes must be at least 1") }
            if self.queueTimeout <= .zero { problems.append("queueTimeout must be positive") }
            if self.walSizeLimitBytes < 0 { problems.append("walSizeLimitBytes must not be negative") }
            guard problems.isEmpty else {
                throw PushgateError.invalidConfiguration("store: " + problems.joined(separator: "; "))
            }
        }
    }
}
