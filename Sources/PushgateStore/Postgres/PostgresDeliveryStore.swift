import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import PushgateCore
import ServiceLifecycle

/// The durable queue on PostgreSQL, for several gateway instances on one database: any
/// instance accepts, all of them dispatch, and a delivery is never leased by two at once
/// (`FOR UPDATE SKIP LOCKED`, lease owner and expiry in the row).
///
/// - Accepts are group-committed by a few writer loops (`PostgresAcceptWriter`).
/// - Every other call runs on a pool connection (`PostgresClient`), within `callTimeout`:
///   a database that is down makes calls fail with a `StoreError` (503 at the API) instead of
///   hanging, and they work again when it is back.
/// - Finished deliveries move to `delivery_history` when recorded (`PostgresSchema`).
/// - Work signals come from LISTEN/NOTIFY plus a poll (`PostgresWorkNotifier`).
///
/// Lifecycle: `open` migrates and starts the pool, the writers and the listener; `close()`
/// commits what is queued and stops them. As a `Service` the store closes itself at graceful
/// shutdown; put it before the dispatcher in the service group, as with SQLite.
package final class PostgresDeliveryStore: DeliveryStore {
    /// Where the database is (its description hides the password).
    package let url: PostgresStoreURL
    let client: PostgresClient
    let calls: PostgresCalls
    let configuration: Configuration
    let clock: WallClock
    let logger: Logger
    let eventLoop: any EventLoop
    let notifier: PostgresWorkNotifier
    /// How many migrations this instance applied at open (the others found them done).
    let migrationsApplied: Int
    private let signals: WorkSignalBroadcaster
    private let writer: PostgresAcceptWriter
    private let background: Background
    private let closing = NIOLockedValueBox<Task<Void, any Error>?>(nil)

    /// The tasks that live as long as the store.
    private struct Background: Sendable {
        var client: Task<Void, Never>
        var writer: Task<Void, Never>
        var notifier: Task<Void, Never>
    }

    private init(
        url: PostgresStoreURL, client: PostgresClient, calls: PostgresCalls, configuration: Configuration,
        clock: WallClock, logger: Logger,
        eventLoop: any EventLoop, notifier: PostgresWorkNotifier, signals: WorkSignalBroadcaster,
        writer: PostgresAcceptWriter, background: Background, migrationsApplied: Int
    ) {
        self.url = url
        self.client = client
        self.calls = calls
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.eventLoop = eventLoop
        self.notifier = notifier
        self.signals = signals
        self.writer = writer
        self.background = background
        self.migrationsApplied = migrationsApplied
    }

    /// Connects, migrates (waiting for another instance that migrates at the same time) and
    /// starts the store's background work.
    package static func open(
        url: PostgresStoreURL,
        configuration: Configuration = .init(),
        clock: WallClock = .system,
        logger: Logger
    ) async throws -> PostgresDeliveryStore {
        try await self.open(
            url: url, configuration: configuration, migrations: PostgresSchema.migrations, clock: clock, logger: logger)
    }

    /// `open` with a chosen list of migrations, for schema tests.
    static func open(
        url: PostgresStoreURL,
        configuration: Configuration,
        migrations: [PostgresSchema.Migration],
        clock: WallClock = .system,
        logger: Logger
    ) async throws -> PostgresDeliveryStore {
        try configuration.validate()
        let logger = Self.logger(logger, for: url)
        let password = try url.resolvePassword()
        let eventLoop = PostgresClient.defaultEventLoopGroup.any()
        let listenConfiguration =
            url.pollOnly ? nil : try url.connectionConfiguration(password: password, configuration: configuration)
        // The pool's background messages are postgres-nio's (a lease before its run loop has
        // started, which `open` does by design; each failed connection attempt, which calls
        // report as `StoreError`s): only when debugging.
        var poolLogger = logger
        if poolLogger.logLevel > .debug { poolLogger.logLevel = max(poolLogger.logLevel, .error) }
        let client = PostgresClient(
            configuration: url.clientConfiguration(password: password, configuration: configuration),
            eventLoopGroup: PostgresClient.defaultEventLoopGroup,
            backgroundLogger: poolLogger
        )
        // The pool's own loop: it lives exactly as long as the store (`close()` cancels it).
        let clientTask = Task { await client.run() }
        let calls = PostgresCalls(client: client, timeout: configuration.callTimeout, eventLoop: eventLoop)
        let applied: Int
        do {
            // A server that is not there fails the start within the call deadline; only the
            // migration, which may wait for another instance's, gets the statement timeout.
            _ = try await calls.withConnection("open: connect") { connection in
                try await connection.rows("SELECT 1", logger: logger)
            }
            let now = clock.now()
            applied = try await PostgresCallDeadline.run(
                "open: migrate", timeout: configuration.statementTimeout, on: eventLoop
            ) {
                do {
                    return try await client.withConnection { connection in
                        try await PostgresSchema.migrate(connection, migrations: migrations, now: now, logger: logger)
                    }
                } catch {
                    throw StoreError.wrappingPostgres(error, context: "open \(url)")
                }
            }
        } catch {
            // Not awaited: the pool may still be inside a connection attempt or its backoff, and
            // the caller should hear of the failure now. Cancelled, it ends on its own shortly.
            clientTask.cancel()
            throw error
        }

        let signals = WorkSignalBroadcaster()
        let notifier = PostgresWorkNotifier(
            signals: signals, client: client, listenConfiguration: listenConfiguration,
            pollInterval: configuration.pollInterval, debounce: configuration.notifyDebounce,
            callTimeout: configuration.callTimeout, eventLoop: eventLoop, logger: logger)
        let writer = PostgresAcceptWriter(
            settings: .init(
                maxBatch: configuration.groupCommitMaxBatch,
                writers: min(configuration.acceptWriters, max(1, url.poolSize - 1)),
                maxQueuedAccepts: configuration.maxQueuedSubmissions,
                maxQueuedBytes: configuration.maxQueuedBytes,
                queueTimeout: configuration.queueTimeout.timeAmount
            ),
            eventLoop: eventLoop,
            commit: { batch in await PostgresAcceptBatch.commit(batch, calls: calls, logger: logger) },
            onAccepted: { notifier.workArrived() }
        )
        let store = PostgresDeliveryStore(
            url: url, client: client, calls: calls, configuration: configuration, clock: clock, logger: logger,
            eventLoop: eventLoop, notifier: notifier, signals: signals, writer: writer,
            background: Background(
                client: clientTask,
                writer: Task { await writer.run() },
                notifier: Task { await notifier.run() }
            ),
            migrationsApplied: applied
        )
        logger.debug("store opened", metadata: [StoreLogKey.schemaVersion: "\(migrations.last?.version ?? 0)"])
        return store
    }

    /// The store's logger: every message names the database (never its password).
    private static func logger(_ logger: Logger, for url: PostgresStoreURL) -> Logger {
        var logger = logger
        logger[metadataKey: StoreLogKey.database] = "\(url)"
        return logger
    }

    // MARK: Calls

    /// Runs `body` on a pool connection within `callTimeout`; failures become `StoreError`s
    /// that name `operation`.
    func withConnection<Result: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await self.calls.withConnection(operation, body)
    }

    /// `withConnection` inside one transaction.
    func withTransaction<Result: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await self.withConnection(operation) { connection in
            try await connection.inTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// One statement, its rows read.
    func rows(_ operation: String, _ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        let logger = self.logger
        return try await self.withConnection(operation) { connection in
            try await connection.rows(query, logger: logger)
        }
    }

    // MARK: DeliveryStore

    package func accept(_ submission: Submission) async throws -> AcceptResult {
        let prepared = try PostgresPreparedSubmission(submission)
        return try await self.writer.accept(prepared)
    }

    package func accept(all submissions: [Submission]) async -> [Result<AcceptResult, any Error>] {
        await Self.accept(all: submissions, preparing: PostgresPreparedSubmission.init) { prepared in
            await self.writer.accept(all: prepared)
        }
    }

    /// Each access returns a new subscription buffering the newest signal only. Signals come
    /// after this instance's commits, from other instances' NOTIFYs, and from the poll.
    package var workSignals: AsyncStream<Void> {
        self.signals.makeStream()
    }

    package func ping() async throws {
        _ = try await self.rows("ping", "SELECT 1 AS ok")
    }

    /// Commits what is queued, then stops the listener and the pool. Calls after the first
    /// wait for the first one.
    package func close() async throws {
        let task: Task<Void, any Error> = self.closing.withLockedValue { closing in
            if let task = closing { return task }
            let task = Task { () async throws in await self.shutDown() }
            closing = task
            return task
        }
        try await task.value
    }

    private func shutDown() async {
        self.writer.finish()
        await self.background.writer.value
        self.background.notifier.cancel()
        await self.background.notifier.value
        self.background.client.cancel()
        await self.background.client.value
        self.signals.finish()
        self.logger.debug("store closed")
    }
}

extension PostgresDeliveryStore {
    /// Waits for graceful shutdown (or cancellation), then closes the store.
    package func run() async throws {
        try? await gracefulShutdown()
        try await self.close()
    }
}
