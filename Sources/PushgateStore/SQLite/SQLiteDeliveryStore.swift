import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PushgateCore
import SQLiteNIO

/// The embedded durable queue: one SQLite file in WAL mode with `synchronous=FULL`, so every
/// committed accept survives a crash or power loss (ARCHITECTURE rule 1).
///
/// All writes go through one writer connection and its queue (`SQLiteWriter`): accepts are
/// group-committed, every other write is one job. Reads that need no writer use a few
/// read-only connections. SQLite runs on the store's own thread pools, never on an event loop
/// or the cooperative pool.
///
/// Lifecycle: `open` starts the writer loop and the thread pools, `close()` finishes queued
/// writes and stops them. As a `Service` the store closes itself at graceful shutdown; put it
/// *before* the dispatcher in the service group so that it shuts down after it (the
/// dispatcher releases its leases through the store).
package final class SQLiteDeliveryStore: DeliveryStore {
    /// The database file.
    package let path: String

    let writer: SQLiteWriter
    let readers: SQLiteReaderPool
    let logger: Logger
    /// "Now" for every write that needs one (outcomes, releases, migrations); callers pass the
    /// same clock's time to `leaseDue` and friends.
    let clock: WallClock
    private let signals: WorkSignalBroadcaster
    private let writerLoop: Task<Void, Never>
    private let writerThreads: NIOThreadPool
    private let readerThreads: NIOThreadPool
    /// The first `close()` call's work; later calls await the same task.
    private let closing = NIOLockedValueBox<Task<Void, any Error>?>(nil)

    private init(
        path: String,
        writer: SQLiteWriter,
        writerLoop: Task<Void, Never>,
        readers: SQLiteReaderPool,
        signals: WorkSignalBroadcaster,
        writerThreads: NIOThreadPool,
        readerThreads: NIOThreadPool,
        clock: WallClock,
        logger: Logger
    ) {
        self.path = path
        self.clock = clock
        self.writer = writer
        self.readers = readers
        self.signals = signals
        self.writerThreads = writerThreads
        self.readerThreads = readerThreads
        self.logger = logger
        self.writerLoop = writerLoop
    }

    /// Opens (creating the file and its folder if missing) and migrates the database at `path`.
    package static func open(
        path: String,
        configuration: Configuration = .init(),
        clock: WallClock = .system,
        logger: Logger
    ) async throws -> SQLiteDeliveryStore {
        try await self.open(
            path: path, configuration: configuration, migrations: SQLiteSchema.migrations, clock: clock, logger: logger)
    }

    /// `open` with a chosen list of migrations, for schema tests.
    static func open(
        path: String,
        configuration: Configuration,
        migrations: [SQLiteSchema.Migration],
        clock: WallClock = .system,
        logger: Logger
    ) async throws -> SQLiteDeliveryStore {
        try configuration.validate()
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else {
            throw PushgateError.invalidConfiguration(
                "store: '\(path)' is not a file path; the durable queue needs a file (WAL and a second connection)"
            )
        }
        var logger = logger
        logger[metadataKey: StoreLogKey.path] = "\(path)"

        let writerThreads = NIOThreadPool(numberOfThreads: 1)
        let readerThreads = NIOThreadPool(numberOfThreads: configuration.readConnections)
        writerThreads.start()
        readerThreads.start()
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        var opened: [SQLiteConnection] = []
        do {
            // Blocking file-system calls belong on a thread pool too.
            try await writerThreads.runIfActive {
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            let writerConnection = try await SQLiteConnection.open(
                storage: .file(path: path),
                threadPool: writerThreads,
                logger: logger,
                on: eventLoop
            )
            opened.append(writerConnection)
            try await self.configureWriter(writerConnection, configuration: configuration)
            try await SQLiteSchema.migrate(writerConnection, migrations: migrations, now: clock.now(), logger: logger)

            var readerConnections: [SQLiteConnection] = []
            for _ in 0..<configuration.readConnections {
                let reader = try await SQLiteConnection.open(
                    storage: .file(path: path),
                    threadPool: readerThreads,
                    logger: logger,
                    on: eventLoop
                )
                opened.append(reader)
                try await self.configureReader(reader, configuration: configuration)
                readerConnections.append(reader)
            }

            let signals = WorkSignalBroadcaster()
            let writer = SQLiteWriter(
                connection: writerConnection,
                settings: .init(
                    maxBatch: configuration.groupCommitMaxBatch,
                    maxDelay: configuration.groupCommitMaxDelay.timeAmount,
                    checkpointEvery: configuration.checkpointEvery,
                    maxQueuedAccepts: configuration.maxQueuedSubmissions,
                    maxQueuedBytes: configuration.maxQueuedBytes,
                    queueTimeout: configuration.queueTimeout.timeAmount
                ),
                eventLoop: eventLoop,
                logger: logger,
                onAccepted: { signals.signal() }
            )
            // The loop lives exactly as long as the store: `close()` ends and awaits it.
            let writerLoop = Task { await writer.run() }
            logger.debug("store opened", metadata: [StoreLogKey.schemaVersion: "\(migrations.last?.version ?? 0)"])
            return SQLiteDeliveryStore(
                path: path,
                writer: writer,
                writerLoop: writerLoop,
                readers: SQLiteReaderPool(connections: readerConnections),
                signals: signals,
                writerThreads: writerThreads,
                readerThreads: readerThreads,
                clock: clock,
                logger: logger
            )
        } catch {
            for connection in opened { try? await connection.close() }
            try? await writerThreads.shutdownGracefully()
            try? await readerThreads.shutdownGracefully()
            if error is StoreError || error is PushgateError { throw error }
            throw StoreError.wrapping(error, context: "open \(path)")
        }
    }

    private static func configureWriter(_ connection: SQLiteConnection, configuration: Configuration) async throws {
        // busy_timeout first: it replaces sqlite-nio's default busy handler, which retries forever.
        try await connection.execute(
            "PRAGMA busy_timeout = \(configuration.busyTimeout.storeMilliseconds)",
            context: "open: busy_timeout"
        )
        // Incremental auto-vacuum lets retention give freed pages back to the file system
        // (`reclaimSpace`). SQLite takes the setting only before the first table is created.
        let tables = try await connection.rows("SELECT count(*) AS count FROM sqlite_schema", context: "open: schema")
        if tables.first?.column("count")?.integer == 0 {
            try await connection.execute("PRAGMA auto_vacuum = INCREMENTAL", context: "open: auto_vacuum")
        }
        let mode = try await connection.rows("PRAGMA journal_mode = WAL", context: "open: journal_mode")
        guard let journal = mode.first?.column("journal_mode")?.string, journal.lowercased() == "wal" else {
            throw StoreError(
                code: .database,
                message: "open: the database refused WAL mode (the file system may not support shared memory)"
            )
        }
        for pragma in [
            // Every commit is fsynced before the 202 goes out (STORE-NOTES: NORMAL can lose the
            // last commits on power loss).
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            // Checkpoints are the writer's job, between batches (`SQLiteWriter.checkpoint`).
            "PRAGMA wal_autocheckpoint = 0",
            "PRAGMA journal_size_limit = \(configuration.walSizeLimitBytes)",
            "PRAGMA cache_size = -\(configuration.cacheSizeKiB)",
            "PRAGMA temp_store = MEMORY",
        ] {
            try await connection.execute(pragma, context: "open: \(pragma)")
        }
    }

    private static func configureReader(_ connection: SQLiteConnection, configuration: Configuration) async throws {
        for pragma in [
            "PRAGMA busy_timeout = \(configuration.busyTimeout.storeMilliseconds)",
            // One writer: these connections must never write, even by mistake.
            "PRAGMA query_only = ON",
            "PRAGMA cache_size = -\(configuration.cacheSizeKiB)",
            "PRAGMA temp_store = MEMORY",
        ] {
            try await connection.execute(pragma, context: "open: \(pragma)")
        }
    }

    // MARK: DeliveryStore

    package func accept(_ submission: Submission) async throws -> AcceptResult {
        // Encoded here, on the caller's task, so the writer only runs SQL.
        let prepared = try PreparedSubmission(submission)
        return try await self.writer.accept(prepared)
    }

    package func accept(all submissions: [Submission]) async -> [Result<AcceptResult, any Error>] {
        await Self.accept(all: submissions, preparing: PreparedSubmission.init) { prepared in
            await self.writer.accept(all: prepared)
        }
    }

    /// Each access returns a new subscription (an `AsyncStream` has one consumer), buffering
    /// the newest signal only; it fires after a group commit that stored something, after a
    /// release, and after outcomes that re-queued deliveries. Streams finish at `close()`.
    package var workSignals: AsyncStream<Void> {
        self.signals.makeStream()
    }

    func signalWork() {
        self.signals.signal()
    }

    package func ping() async throws {
        try await self.readers.withConnection("ping") { connection in
            _ = try await connection.rows("SELECT 1 AS ok", context: "ping")
        }
    }

    /// Finishes the queued writes, checkpoints and truncates the WAL, closes the connections
    /// and stops the thread pools. Calls after the first wait for the first one.
    package func close() async throws {
        let task: Task<Void, any Error> = self.closing.withLockedValue { closing in
            if let task = closing { return task }
            let task = Task { try await self.shutDown() }
            closing = task
            return task
        }
        try await task.value
    }

    private func shutDown() async throws {
        self.writer.finish()
        await self.writerLoop.value
        var firstError: (any Error)?
        do {
            // Leave a small file behind: the WAL folded into the database and truncated.
            _ = try await self.writer.connection.rows("PRAGMA wal_checkpoint(TRUNCATE)", context: "close: checkpoint")
        } catch {
            self.logger.warning("store checkpoint at close failed", metadata: ["error": "\(error)"])
        }
        await self.readers.close(logger: self.logger)
        do {
            try await self.writer.connection.close()
        } catch {
            firstError = firstError ?? StoreError.wrapping(error, context: "close: writer connection")
        }
        do {
            try await self.writerThreads.shutdownGracefully()
            try await self.readerThreads.shutdownGracefully()
        } catch {
            firstError = firstError ?? StoreError.wrapping(error, context: "close: thread pools")
        }
        self.signals.finish()
        self.logger.debug("store closed")
        if let firstError { throw firstError }
    }
}
