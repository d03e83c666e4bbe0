import Logging
import NIOConcurrencyHelpers
import SQLiteNIO

/// Read-only connections for the queries that need no writer: status reads, the invalid-token
/// feed, queue gauges, and the notification bodies a lease returns. They are opened with
/// `query_only` so that no write can slip past the one writer. In WAL mode they read the last
/// committed state without blocking the writer, as long as every read is one short statement
/// (a long read transaction would pin the WAL and let it grow).
final class SQLiteReaderPool: Sendable {
    private struct State {
        var next = 0
        var inFlight = 0
        var closing = false
        var drained: CheckedContinuation<Void, Never>?
    }

    private let connections: [SQLiteConnection]
    private let state = NIOLockedValueBox(State())

    /// - Precondition: `connections` is not empty (the configuration validates `readConnections >= 1`).
    init(connections: [SQLiteConnection]) {
        precondition(!connections.isEmpty, "the reader pool needs at least one connection")
        self.connections = connections
    }

    /// Runs `body` on one of the connections (round robin). Fails with `StoreError.closed`
    /// once `close()` was called.
    func withConnection<Result>(
        _ operation: String,
        _ body: (SQLiteConnection) async throws -> Result
    ) async throws -> Result {
        let connection: SQLiteConnection? = self.state.withLockedValue { state in
            guard !state.closing else { return nil }
            state.inFlight += 1
            state.next = (state.next + 1) % self.connections.count
            return self.connections[state.next]
        }
        guard let connection else { throw StoreError.closed(operation) }
        defer { self.finished() }
        do {
            return try await body(connection)
        } catch {
            throw StoreError.wrapping(error, context: operation)
        }
    }

    private func finished() {
        let drained: CheckedContinuation<Void, Never>? = self.state.withLockedValue { state in
            state.inFlight -= 1
            guard state.inFlight == 0, let drained = state.drained else { return nil }
            state.drained = nil
            return drained
        }
        drained?.resume()
    }

    /// Refuses new reads, waits for the running ones, and closes the connections (closing a
    /// connection under a running statement would leave it unfinalized).
    func close(logger: Logger) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = self.state.withLockedValue { state in
                state.closing = true
                guard state.inFlight > 0 else { return false }
                state.drained = continuation
                return true
            }
            if !wait { continuation.resume() }
        }
        for connection in self.connections {
            do {
                try await connection.close()
            } catch {
                logger.warning("store read connection did not close cleanly", metadata: ["error": "\(error)"])
            }
        }
    }
}
