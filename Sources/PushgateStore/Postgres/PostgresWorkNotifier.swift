import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// "Work arrived" across gateway instances: LISTEN/NOTIFY as a hint only, with a slow poll as
/// the fallback (STORE-NOTES: NOTIFY is not a queue).
///
/// - An instance that committed an accept batch, a release or a retry signals its own
///   dispatchers at once and sends one NOTIFY; NOTIFYs are debounced (a burst of commits is
///   one NOTIFY, then at most one per `debounce`).
/// - A dedicated connection (outside the pool: a pooled one would be handed to queries) LISTENs
///   and signals on every notification; it reconnects after a failure.
/// - While that connection is not listening — `poll_only`, for PgBouncer in transaction mode,
///   or the database is away — the store signals every `pollInterval`, so work is found within
///   that interval whatever happens to notifications.
final class PostgresWorkNotifier: Sendable {
    static let channel = "pushgate_work"

    private struct State {
        var notifyRunning = false
        var notifyPending = false
        var listening = false
    }

    private let state = NIOLockedValueBox(State())
    private let signals: WorkSignalBroadcaster
    private let client: PostgresClient
    /// Nil for poll-only operation.
    private let listenConfiguration: PostgresConnection.Configuration?
    private let pollInterval: Duration
    private let debounce: Duration
    private let callTimeout: Duration
    private let eventLoop: any EventLoop
    private let logger: Logger

    init(
        signals: WorkSignalBroadcaster, client: PostgresClient, listenConfiguration: PostgresConnection.Configuration?,
        pollInterval: Duration, debounce: Duration, callTimeout: Duration, eventLoop: any EventLoop, logger: Logger
    ) {
        self.signals = signals
        self.client = client
        self.listenConfiguration = listenConfiguration
        self.pollInterval = pollInterval
        self.debounce = debounce
        self.callTimeout = callTimeout
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Whether the LISTEN connection is up (tests, and the poll's decision).
    var isListening: Bool { self.state.withLockedValue { $0.listening } }

    /// Work was committed here: wake this instance's dispatchers now and the others soon.
    func workArrived() {
        self.signals.signal()
        let start = self.state.withLockedValue { state in
            guard !state.notifyRunning else {
                state.notifyPending = true
                return false
            }
            state.notifyRunning = true
            return true
        }
        // One sender at a time; it keeps going while more work arrives and ends when none did.
        if start { Task { await self.sendNotifications() } }
    }

    private func sendNotifications() async {
        while true {
            do {
                _ = try await PostgresCallDeadline.run("notify", timeout: self.callTimeout, on: self.eventLoop) {
                    try await self.client.query("SELECT pg_notify(\(Self.channel), '')").rows()
                }
            } catch {
                // A lost hint costs at most one poll interval elsewhere.
                self.logger.debug("store NOTIFY failed", metadata: ["error": "\(error)"])
            }
            if self.debounce > .zero { try? await Task.sleep(for: self.debounce) }
            let again = self.state.withLockedValue { state in
                if state.notifyPending {
                    state.notifyPending = false
                    return true
                }
                state.notifyRunning = false
                return false
            }
            if !again { return }
        }
    }

    /// Listens and polls until cancelled (the store's close).
    func run() async {
        await withDiscardingTaskGroup { group in
            if let configuration = self.listenConfiguration {
                group.addTask { await self.listen(configuration) }
            }
            group.addTask { await self.poll() }
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: self.pollInterval)
            } catch {
                return
            }
            if !self.isListening { self.signals.signal() }
        }
    }

    private func listen(_ configuration: PostgresConnection.Configuration) async {
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: configuration, id: connectionID, logger: self.logger)
                do {
                    try await connection.listen(on: Self.channel) { notifications in
                        self.setListening(true)
                        // Notifications sent while this connection was down are lost: look once.
                        self.signals.signal()
                        for try await _ in notifications { self.signals.signal() }
                    }
                } catch {
                    if !Task.isCancelled {
                        self.logger.debug("store LISTEN connection failed", metadata: ["error": "\(error)"])
                    }
                }
                self.setListening(false)
                try? await connection.close()
            } catch {
                self.logger.debug("store LISTEN connection could not be opened", metadata: ["error": "\(error)"])
            }
            self.setListening(false)
            // Polling covers the gap; reconnect after one interval.
            try? await Task.sleep(for: self.pollInterval)
        }
    }

    private func setListening(_ listening: Bool) {
        self.state.withLockedValue { $0.listening = listening }
    }
}
