import Foundation
import PostgresNIO
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateStore

/// What several gateway instances on one database rely on, each test with its own database and
/// two or more store instances (two pools), as separate gateways would have.
@Suite("PostgreSQL store, several instances", .timeLimit(.minutes(3)))
struct PostgresSeveralInstancesTests {
    private let t0 = StoreFixtures.t0

    private func open(
        _ url: PostgresStoreURL, configuration: PostgresDeliveryStore.Configuration = PostgresTestDatabase.configuration
    ) async throws -> PostgresDeliveryStore {
        try await PostgresDeliveryStore.open(url: url, configuration: configuration, logger: StoreFixtures.logger)
    }

    /// Runs `body` with `count` stores on one new database, and closes them.
    private func withInstances(
        _ count: Int, _ body: ([PostgresDeliveryStore], PostgresStoreURL) async throws -> Void
    ) async throws {
        try await PostgresTestDatabase.with { url in
            var stores: [PostgresDeliveryStore] = []
            do {
                for _ in 0..<count { stores.append(try await self.open(url)) }
                try await body(stores, url)
            } catch {
                for store in stores { try? await store.close() }
                throw error
            }
            for store in stores { try await store.close() }
        }
    }

    @Test func twoInstancesWithTwoLeasersEachNeverLeaseADeliveryTwice() async throws {
        try await self.withInstances(2) { stores, _ in
            var expected: Set<UUID> = []
            for batch in 0..<30 {
                let submission = StoreFixtures.submission(
                    targetCount: 100, acceptedAt: self.t0.addingTimeInterval(Double(batch) / 1000))
                expected.formUnion(submission.targets.map(\.deliveryID))
                // Accepts through both instances, as a load balancer would spread them.
                #expect(try await stores[batch % 2].accept(submission) == .accepted)
            }
            let now = self.t0.addingTimeInterval(60)
            let perLeaser = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for leaser in 0..<4 {
                    let store = stores[leaser % 2]
                    let owner = "instance-\(leaser % 2)-loop-\(leaser)"
                    group.addTask {
                        var mine: [UUID] = []
                        while true {
                            let leased = try await store.leaseDue(
                                limit: 50, owner: owner, now: now, leaseDuration: .seconds(300))
                            if leased.isEmpty { return mine }
                            mine += leased.map(\.id)
                            // Finished work leaves the hot table while the others lease.
                            let updates = leased.map {
                                DeliveryUpdate(
                                    deliveryID: $0.id, state: .delivered,
                                    lastOutcome: LastOutcome(kind: "delivered", at: now))
                            }
                            #expect(try await store.record(updates, owner: owner) == leased.count)
                        }
                    }
                }
                var all: [[UUID]] = []
                for try await ids in group { all.append(ids) }
                return all
            }
            let all = perLeaser.flatMap { $0 }
            #expect(all.count == 3_000, "every delivery leased exactly once: \(all.count) leases")
            #expect(Set(all) == expected)
            #expect(perLeaser.filter { !$0.isEmpty }.count > 1, "the leasers really ran side by side")
            #expect(try await stores[0].queueDepth() == 0)
            let rows = try await PostgresTestDatabase.execute(
                "SELECT count(*)::text FROM delivery_history WHERE state = 'delivered'", on: stores[0].url)
            #expect(rows == ["3000"], "every finished delivery is in the history table")
        }
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        try await PostgresTestDatabase.with { url in
            let stores = try await withThrowingTaskGroup(of: PostgresDeliveryStore.self) { group in
                for _ in 0..<4 { group.addTask { try await self.open(url) } }
                var stores: [PostgresDeliveryStore] = []
                for try await store in group { stores.append(store) }
                return stores
            }
            #expect(stores.map(\.migrationsApplied).reduce(0, +) == PostgresSchema.migrations.count)
            let versions = try await PostgresTestDatabase.execute(
                "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations", on: url)
            #expect(versions == [PostgresSchema.migrations.map { "\($0.version)" }.joined(separator: ",")])
            for store in stores {
                #expect(try await store.accept(StoreFixtures.submission()) == .accepted)
                try await store.close()
            }
        }
    }

    @Test func aNewerSchemaIsRefused() async throws {
        try await PostgresTestDatabase.with { url in
            try await self.open(url).close()
            try await PostgresTestDatabase.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (\(PostgresSchema.currentVersion + 1), 0)",
                on: url)
            await #expect {
                try await self.open(url)
            } throws: { error in
                let storeError = error as? StoreError
                return storeError?.code == .schemaTooNew && storeError?.message.contains("newer Pushgate") == true
            }
        }
    }

    @Test func sessionSettingsHoldOnEveryConnection() async throws {
        try await self.withInstances(1) { stores, _ in
            let settings = try await stores[0].rows(
                "test: session settings",
                """
                SELECT current_setting('statement_timeout') AS statement,
                    current_setting('idle_in_transaction_session_timeout') AS idle
                """)
            #expect(try settings.first?.value("statement", as: String.self) == "1min")
            #expect(try settings.first?.value("idle", as: String.self) == "1min")
        }
    }

    @Test func oneKeyRacedThroughTwoInstancesIsStoredOnce() async throws {
        try await self.withInstances(2) { stores, _ in
            let submissions = (0..<30).map { _ in
                StoreFixtures.submission(targetCount: 2, key: "raced", hash: "same-body")
            }
            let results = try await withThrowingTaskGroup(of: (Int, AcceptResult).self) { group in
                for (index, submission) in submissions.enumerated() {
                    let store = stores[index % 2]
                    group.addTask { (index, try await store.accept(submission)) }
                }
                var results: [Int: AcceptResult] = [:]
                for try await (index, result) in group { results[index] = result }
                return results
            }
            let accepted = results.filter { $0.value == .accepted }.map(\.key)
            try #require(accepted.count == 1, "one 202 across both instances")
            let winner = submissions[accepted[0]]
            #expect(results.values.filter { $0 == .replay(responseBody: winner.responseBody) }.count == 29)
            #expect(try await stores[1].queueDepth() == 2)

            // A different body under the key, on the other instance: a mismatch, nothing stored.
            let other = StoreFixtures.submission(key: "raced", hash: "another-body")
            #expect(try await stores[accepted[0] % 2 == 0 ? 1 : 0].accept(other) == .keyReuseMismatch)
            #expect(try await stores[0].queueDepth() == 2)
        }
    }

    @Test func anAcceptOnOneInstanceWakesTheOther() async throws {
        try await PostgresTestDatabase.with { url in
            // B polls only every minute, so within the few seconds below only A's NOTIFY can wake it.
            var slowPoll = PostgresTestDatabase.configuration
            slowPoll.pollInterval = .seconds(60)
            let writer = try await self.open(url)
            let listener = try await self.open(url, configuration: slowPoll)
            do {
                try await Self.waitUntil("instance B listens") { listener.notifier.isListening }
                // The listener signals once when it starts listening; let that pass first.
                try await Task.sleep(for: .milliseconds(200))
                let signals = listener.workSignals
                let woken = Task {
                    for await _ in signals { return true }
                    return false
                }
                #expect(try await writer.accept(StoreFixtures.submission()) == .accepted)
                let timeout = Task {
                    try await Task.sleep(for: .seconds(10))
                    woken.cancel()
                }
                #expect(await woken.value, "B heard A's NOTIFY")
                timeout.cancel()
            } catch {
                try? await writer.close()
                try? await listener.close()
                throw error
            }
            try await writer.close()
            try await listener.close()
        }
    }

    @Test func pollOnlyInstanceFindsWorkWithinThePollInterval() async throws {
        try await PostgresTestDatabase.with { url in
            var pollOnly = url
            pollOnly.pollOnly = true
            var configuration = PostgresTestDatabase.configuration
            configuration.pollInterval = .milliseconds(500)
            let writer = try await self.open(url)
            let poller = try await self.open(pollOnly, configuration: configuration)
            do {
                #expect(!poller.notifier.isListening)
                // Drain a poll tick that may be pending, then wait for the next signal.
                let signals = poller.workSignals
                let woken = Task {
                    var count = 0
                    for await _ in signals {
                        count += 1
                        if count == 2 { return true }
                    }
                    return false
                }
                #expect(try await writer.accept(StoreFixtures.submission()) == .accepted)
                let timeout = Task {
                    try await Task.sleep(for: .seconds(3))
                    woken.cancel()
                }
                #expect(await woken.value, "the poll signals every interval")
                timeout.cancel()
                let leased = try await poller.leaseDue(
                    limit: 10, owner: "poller", now: self.t0, leaseDuration: .seconds(30))
                #expect(leased.count == 1)
            } catch {
                try? await writer.close()
                try? await poller.close()
                throw error
            }
            try await writer.close()
            try await poller.close()
        }
    }

    /// The database refuses connections (as while it restarts): calls fail fast with a
    /// `StoreError` (503 at the API) and work again when it is back; nothing accepted is lost.
    @Test func anUnavailableDatabaseFailsCallsPromptlyAndRecovers() async throws {
        try await PostgresTestDatabase.with { url in
            var configuration = PostgresTestDatabase.configuration
            configuration.callTimeout = .seconds(2)
            configuration.queueTimeout = .seconds(2)
            configuration.connectTimeout = .seconds(1)
            let store = try await self.open(url, configuration: configuration)
            do {
                let before = StoreFixtures.submission(targetCount: 3)
                #expect(try await store.accept(before) == .accepted)
                let admin = try PostgresTestDatabase.adminURL()
                try await PostgresTestDatabase.execute(
                    "ALTER DATABASE \(url.database) ALLOW_CONNECTIONS false",
                    "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = '\(url.database)'",
                    on: admin)

                for call in ["ping", "accept", "lease"] {
                    let started = ContinuousClock.now
                    await #expect(throws: StoreError.self, "\(call) fails while the database is away") {
                        switch call {
                        case "ping": try await store.ping()
                        case "accept": _ = try await store.accept(StoreFixtures.submission())
                        default:
                            _ = try await store.leaseDue(
                                limit: 10, owner: "d", now: self.t0, leaseDuration: .seconds(30))
                        }
                    }
                    // 2 s deadline; the margin is for a loaded machine, far below the 60 s statement timeout.
                    #expect(ContinuousClock.now - started < .seconds(10), "\(call) gave up by its deadline")
                }

                try await PostgresTestDatabase.execute(
                    "ALTER DATABASE \(url.database) ALLOW_CONNECTIONS true", on: admin)
                try await Self.waitUntil("the store works again", timeout: .seconds(20)) {
                    (try? await store.ping()) != nil
                }
                let stored = try await store.notification(id: before.notificationID, appID: "app-1")
                #expect(stored?.deliveries.count == 3, "what was accepted before is still there")
                #expect(try await store.accept(StoreFixtures.submission()) == .accepted)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
        }
    }

    @Test func anUnreachableServerFailsTheOpenWithAStoreError() async throws {
        var url = try PostgresTestDatabase.adminURL()
        url.port = try await freeLoopbackPort()
        url.host = "127.0.0.1"
        var configuration = PostgresDeliveryStore.Configuration()
        configuration.callTimeout = .seconds(2)
        configuration.connectTimeout = .seconds(1)
        // Far longer than the call deadline, so the bound below tells the two apart.
        configuration.statementTimeout = .seconds(60)
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await PostgresDeliveryStore.open(url: url, configuration: configuration, logger: StoreFixtures.logger)
        }
        #expect(ContinuousClock.now - started < .seconds(10), "the start fails by the call deadline, not the 60 s one")
    }

    private static func waitUntil(
        _ what: String, timeout: Duration = .seconds(10), _ condition: () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
