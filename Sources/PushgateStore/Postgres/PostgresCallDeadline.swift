import NIOConcurrencyHelpers
import NIOCore
import PushgateCore

/// Bounds a store call in time, whatever it waits for: a pool connection (the pool keeps
/// retrying an unreachable server and would otherwise hold its callers indefinitely), a
/// statement, a commit. Past the deadline the caller gets a `StoreError` (the API answers 503)
/// and the work is cancelled; a statement already on the wire then ends by the server's
/// `statement_timeout` at the latest.
enum PostgresCallDeadline {
    static func run<Result: Sendable>(
        _ operation: String,
        timeout: Duration,
        on eventLoop: any EventLoop,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        // Whoever takes the continuation first (the work or the timer) answers the caller.
        let waiter = NIOLockedValueBox<CheckedContinuation<Result, any Error>?>(nil)
        let work = NIOLockedValueBox<Task<Void, Never>?>(nil)
        @Sendable func take() -> CheckedContinuation<Result, any Error>? {
            waiter.withLockedValue { waiter in
                defer { waiter = nil }
                return waiter
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                waiter.withLockedValue { $0 = continuation }
                let timer = eventLoop.scheduleTask(in: timeout.timeAmount) {
                    guard let continuation = take() else { return }
                    work.withLockedValue { $0?.cancel() }
                    continuation.resume(
                        throwing: StoreError(
                            code: .database,
                            message: "\(operation): no answer from PostgreSQL within \(DurationText.format(timeout)) "
                                + "(the database is unreachable or overloaded)"))
                }
                let task = Task {
                    let result: Swift.Result<Result, any Error>
                    do {
                        result = .success(try await body())
                    } catch {
                        result = .failure(error)
                    }
                    timer.cancel()
                    take()?.resume(with: result)
                }
                work.withLockedValue { $0 = task }
                // The timer may have fired before the task was stored: then cancel it here.
                if waiter.withLockedValue({ $0 == nil }) { task.cancel() }
            }
        } onCancel: {
            work.withLockedValue { $0?.cancel() }
        }
    }
}
