import Foundation
import Logging
import PushgateCore
import PushgateStore
import ServiceLifecycle

/// Keeps the store's size steady: every `every`, forgets idempotency keys past their window,
/// deletes finished notifications and old invalid-token records past their retention, and
/// gives the freed space back. Each step is cut into short store jobs, so ingest never waits
/// behind one long delete.
struct StoreRetention: Service {
    struct Settings: Sendable {
        var idempotencyWindow: Duration
        var notifications: Duration
        var invalidTokens: Duration
        var every: Duration
    }

    /// Notifications per store job (with their deliveries: up to 1,000 rows each).
    static let notificationChunk = 200
    static let invalidTokenChunk = 5_000
    /// Space-reclaim steps per pass, at most: the rest waits for the next pass.
    static let reclaimSteps = 64
    /// After each job, retention rests this many times as long as the job took, so it holds
    /// the store's single writer at most a fifth of the time: with back-to-back chunks, accepts
    /// waited behind one delete after another (ingest p99 went from 75 ms to 900 ms while a
    /// million old rows were deleted). A backlog is caught up more slowly instead.
    static let restFactor = 4

    let store: any DeliveryStore
    let settings: Settings
    let clock: WallClock
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await self.pass()
            } catch {
                self.logger.warning("retention pass failed; retried at the next one", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.settings.every) }
        }
    }

    /// One pass; returns what it deleted, for tests and the log.
    @discardableResult
    func pass() async throws -> (keys: Int, notifications: Int, invalidTokens: Int) {
        let now = self.clock.now()
        let keys = try await self.store.purgeIdempotencyKeys(createdBefore: now - self.settings.idempotencyWindow)
        let notifications = try await self.repeatChunks(Self.notificationChunk) { limit in
            try await self.store.purgeFinishedNotifications(
                finishedBefore: now - self.settings.notifications, limit: limit)
        }
        let invalidTokens = try await self.repeatChunks(Self.invalidTokenChunk) { limit in
            try await self.store.purgeInvalidTokens(reportedBefore: now - self.settings.invalidTokens, limit: limit)
        }
        var steps = 0
        while steps < Self.reclaimSteps, !Task.isShuttingDownGracefully,
            try await self.paced({ try await self.store.reclaimSpace() })
        {
            steps += 1
        }
        if keys + notifications + invalidTokens > 0 {
            self.logger.info(
                "retention pass",
                metadata: [
                    "push.idempotency_keys": "\(keys)", "push.notifications": "\(notifications)",
                    "push.invalid_tokens": "\(invalidTokens)",
                ])
        }
        return (keys, notifications, invalidTokens)
    }

    /// Calls `purge` with `limit` until it deletes less than that (or shutdown begins).
    private func repeatChunks(_ limit: Int, _ purge: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while !Task.isShuttingDownGracefully {
            let deleted = try await self.paced { try await purge(limit) }
            total += deleted
            if deleted < limit { break }
        }
        return total
    }

    /// Runs one store job, then rests `restFactor` times as long as it took.
    private func paced<Result>(_ job: () async throws -> Result) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await job()
        let rest = (clock.now - start) * Self.restFactor
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: rest) }
        return result
    }
}
