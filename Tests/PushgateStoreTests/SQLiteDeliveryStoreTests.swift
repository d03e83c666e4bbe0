import Foundation
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateStore

@Suite("SQLite store", .timeLimit(.minutes(2)))
struct SQLiteDeliveryStoreTests {
    private let t0 = StoreFixtures.t0

    private func open(
        _ path: String,
        configure: (inout SQLiteDeliveryStore.Configuration) -> Void = { _ in }
    ) async throws -> SQLiteDeliveryStore {
        var configuration = SQLiteDeliveryStore.Configuration()
        configure(&configuration)
        return try await SQLiteDeliveryStore.open(
            path: path, configuration: configuration, logger: StoreFixtures.logger)
    }

    @Test func createsTheFileAndItsFolders() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("a/b/c/queue.sqlite")
            let store = try await self.open(path)
            #expect(FileManager.default.fileExists(atPath: path))
            try await store.ping()
            try await store.close()
            try await store.close()  // a second close is harmless
            await #expect(throws: StoreError.self) { try await store.accept(StoreFixtures.submission()) }
            await #expect(throws: StoreError.self) { try await store.ping() }
        }
    }

    @Test func everythingSurvivesCloseAndReopen() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("queue.sqlite")
            let submission = StoreFixtures.submission(targetCount: 3, key: "k")
            do {
                let store = try await self.open(path)
                _ = try await store.accept(submission)
                let leased = try await store.leaseDue(limit: 2, owner: "d", now: self.t0, leaseDuration: .seconds(30))
                let update = DeliveryUpdate(
                    deliveryID: leased[0].id,
                    state: .invalidToken,
                    lastOutcome: LastOutcome(
                        kind: "invalid_token", vendorStatus: 410, vendorReason: "Unregistered", at: self.t0),
                    invalidToken: InvalidTokenReport(
                        appID: "app-1", vendor: .apns, token: leased[0].target.token, reason: "Unregistered", since: nil
                    )
                )
                #expect(try await store.record([update], owner: "d") == 1)
                try await store.close()
            }

            let reopened = try await self.open(path)
            let stored = try #require(try await reopened.notification(id: submission.notificationID, appID: "app-1"))
            #expect(stored.notification == submission.notification)
            #expect(stored.deliveries.map(\.state) == [.invalidToken, .sending, .queued])
            #expect(try await reopened.invalidTokens(appID: "app-1", after: 0, limit: 10).count == 1)
            #expect(
                try await reopened.accept(StoreFixtures.submission(key: "k"))
                    == .replay(responseBody: submission.responseBody))
            // The lease taken before the restart still holds until it runs out.
            let afterExpiry = try await reopened.leaseDue(
                limit: 10, owner: "new", now: self.t0.addingTimeInterval(31), leaseDuration: .seconds(30))
            #expect(afterExpiry.map(\.id) == Array(submission.targets.map(\.deliveryID).suffix(2)))
            try await reopened.close()
        }
    }

    /// A killed process leaves the database and its WAL behind, without closing. Committed
    /// accepts must be visible to the next process: both to one opening the same file while
    /// the first is still alive, and to one opening a copy of the files as they were on disk.
    @Test func committedAcceptsSurviveAProcessThatNeverClosed() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("live/queue.sqlite")
            let first = try await self.open(path)
            let submissions = (0..<300).map { StoreFixtures.submission(targetCount: 2, key: "key-\($0)") }
            try await withThrowingTaskGroup(of: AcceptResult.self) { group in
                for submission in submissions { group.addTask { try await first.accept(submission) } }
                for try await result in group { #expect(result == .accepted) }
            }

            // The "crashed" files: database and WAL copied as they are, no shared memory.
            let copyFolder = directory.url.appendingPathComponent("copy")
            try FileManager.default.createDirectory(at: copyFolder, withIntermediateDirectories: true)
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
                try FileManager.default.copyItem(
                    atPath: path + suffix,
                    toPath: copyFolder.appendingPathComponent("queue.sqlite" + suffix).path
                )
            }
            #expect(FileManager.default.fileExists(atPath: path + "-wal"), "the commits are still in the WAL")

            let second = try await self.open(path)
            let recovered = try await self.open(copyFolder.appendingPathComponent("queue.sqlite").path)
            for store in [second, recovered] {
                #expect(try await store.queueDepth() == 600)
                for submission in submissions {
                    let stored = try await store.notification(id: submission.notificationID, appID: "app-1")
                    #expect(stored?.deliveries.count == 2)
                }
            }
            try await recovered.close()
            try await second.close()
            try await first.close()
        }
    }

    @Test func groupCommitTakesConcurrentAcceptsTogether() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite")) { $0.groupCommitMaxBatch = 32 }
            let submissions = (0..<500).map { StoreFixtures.submission(targetCount: 1, key: "key-\($0)") }
            try await withThrowingTaskGroup(of: AcceptResult.self) { group in
                for submission in submissions { group.addTask { try await store.accept(submission) } }
                for try await result in group { #expect(result == .accepted) }
            }
            let statistics = store.writer.statistics
            #expect(statistics.acceptSubmissions == 500)
            #expect(statistics.largestAcceptBatch > 1, "several submissions per transaction")
            #expect(statistics.largestAcceptBatch <= 32, "never more than groupCommitMaxBatch")
            #expect(statistics.acceptBatches < 250, "\(statistics.acceptBatches) transactions for 500 submissions")
            #expect(try await store.queueDepth() == 500)
            try await store.close()
        }
    }

    /// One failing submission inside a group commit fails alone (its savepoint is rolled back),
    /// the others in the same transaction are stored.
    @Test func aConflictingSubmissionFailsAloneInItsBatch() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite")) {
                $0.groupCommitMaxDelay = .milliseconds(50)
            }
            let existing = StoreFixtures.submission()
            _ = try await store.accept(existing)

            var submissions = (0..<30).map { _ in StoreFixtures.submission(targetCount: 2) }
            submissions[17] = StoreFixtures.submission(targets: StoreFixtures.targets(1) + existing.targets)
            let batchesBefore = store.writer.statistics.acceptBatches
            let results = await withTaskGroup(of: (Int, Result<AcceptResult, any Error>).self) { group in
                for (index, submission) in submissions.enumerated() {
                    group.addTask {
                        do {
                            return (index, .success(try await store.accept(submission)))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                var results: [Int: Result<AcceptResult, any Error>] = [:]
                for await (index, result) in group { results[index] = result }
                return results
            }
            for (index, result) in results {
                if index == 17 {
                    #expect(throws: StoreError.self) { try result.get() }
                    if case .failure(let error as StoreError) = result { #expect(error.code == .conflict) }
                } else {
                    #expect((try? result.get()) == .accepted)
                }
            }
            #expect(try await store.notification(id: submissions[17].notificationID, appID: "app-1") == nil)
            #expect(try await store.queueDepth() == 1 + 29 * 2)
            #expect(store.writer.statistics.acceptBatches - batchesBefore < 30, "the conflict shared a transaction")
            try await store.close()
        }
    }

    @Test func reopeningAtTheCurrentVersionChangesNothing() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("queue.sqlite")
            let store = try await self.open(path)
            let versions = try await store.appliedSchemaVersions()
            let cookie = try await store.schemaCookie()
            let objects = try await store.schemaObjects()
            try await store.close()
            #expect(versions == SQLiteSchema.migrations.map(\.version))
            #expect(objects.contains("index deliveries_lane_due"))
            #expect(!objects.contains("index deliveries_due"), "replaced by deliveries_lane_due in version 2")
            #expect(objects.contains("table webhook_events"))

            for _ in 0..<2 {
                let reopened = try await self.open(path)
                #expect(try await reopened.appliedSchemaVersions() == versions)
                #expect(try await reopened.schemaCookie() == cookie, "no table or index was touched")
                #expect(try await reopened.schemaObjects() == objects)
                try await reopened.close()
            }
        }
    }

    @Test func migrationsApplyInOrderAndANewerFileIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("queue.sqlite")
            try await self.open(path).close()

            let next = SQLiteSchema.Migration(
                version: SQLiteSchema.currentVersion + 1,
                statements: ["CREATE TABLE future_things (id INTEGER PRIMARY KEY)"]
            )
            let newer = try await SQLiteDeliveryStore.open(
                path: path,
                configuration: .init(),
                migrations: SQLiteSchema.migrations + [next],
                logger: StoreFixtures.logger
            )
            #expect(
                try await newer.appliedSchemaVersions() == SQLiteSchema.migrations.map(\.version) + [next.version])
            #expect(try await newer.schemaObjects().contains("table future_things"))
            try await newer.close()

            await #expect {
                try await self.open(path)
            } throws: { error in
                (error as? StoreError)?.code == .schemaTooNew
            }
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("queue.sqlite")
            let broken = SQLiteSchema.Migration(
                version: SQLiteSchema.currentVersion + 1,
                statements: ["CREATE TABLE half_done (id INTEGER)", "THIS IS NOT SQL"]
            )
            await #expect {
                try await SQLiteDeliveryStore.open(
                    path: path,
                    configuration: .init(),
                    migrations: SQLiteSchema.migrations + [broken],
                    logger: StoreFixtures.logger
                )
            } throws: { error in
                (error as? StoreError)?.code == .migrationFailed
            }
            // Not even the first migration stayed: the whole upgrade is one transaction.
            let store = try await self.open(path)
            #expect(try await store.appliedSchemaVersions() == SQLiteSchema.migrations.map(\.version))
            #expect(try await !store.schemaObjects().contains("table half_done"))
            try await store.close()
        }
    }

    @Test func queriesUseThePartialIndexes() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite"))
            let due = try await store.queryPlan(SQLiteDeliveryStore.leaseLaneSQL)
            #expect(
                due.contains {
                    $0.contains("deliveries_lane_due (app_id=? AND vendor=? AND environment=? AND next_attempt_at<?)")
                }, "one range of one lane: \(due)")
            #expect(!due.contains { $0.contains("TEMP B-TREE") }, "no sort of the backlog: \(due)")
            let expired = try await store.queryPlan(SQLiteDeliveryStore.leaseExpiredSQL)
            #expect(expired.contains { $0.contains("deliveries_lease_expiry") }, "\(expired)")
            let feed = try await store.queryPlan(
                "SELECT * FROM invalid_tokens WHERE app_id = 'a' AND sequence > 0 ORDER BY sequence LIMIT 10"
            )
            #expect(feed.contains { $0.contains("invalid_tokens_feed") }, "\(feed)")
            try await store.close()
        }
    }

    /// A lane left out of a lease (paused, or holding enough) is never read, however long its
    /// backlog: finding the lanes with due work seeks once per lane, and each lane's lease reads
    /// one range of its own (ARCHITECTURE rule 6). Before, every lease and due-date query with a
    /// 50,000-row lane excluded walked past all of its rows, on the one writer.
    @Test func anExcludedLanesBacklogIsNeverRead() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite"))
            let slow: Set<Lane> = [Lane(appID: "slow", vendor: .apns)]
            let (exclusion, _) = SQLiteDeliveryStore.laneExclusion(slow, firstParameter: 2)
            let (dueExclusion, _) = SQLiteDeliveryStore.laneExclusion(slow, firstParameter: 1)
            let plans = [
                "due lanes": try await store.queryPlan(SQLiteDeliveryStore.dueLanesSQL(exclusion: exclusion)),
                "next due date": try await store.queryPlan(SQLiteDeliveryStore.nextDueSQL(exclusion: dueExclusion)),
                "lease one lane": try await store.queryPlan(SQLiteDeliveryStore.leaseLaneSQL),
                "expired leases": try await store.queryPlan(SQLiteDeliveryStore.leaseExpiredSQL),
            ]
            for (query, plan) in plans {
                // `deliveries` is read only by seeks (SEARCH); the only SCANs allowed are of the
                // small list of lanes the recursive query builds and of constant rows (VALUES).
                let allowed = ["SCAN queued_lanes", "SCAN l", "SCAN CONSTANT ROW"]
                let scans = plan.filter { line in
                    line.contains("SCAN") && !allowed.contains { line == $0 || line.hasPrefix($0 + " ") }
                }
                #expect(scans.isEmpty, "\(query): \(plan)")
                #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(query): \(plan)")
            }
            #expect(plans["due lanes"]?.contains { $0.contains("deliveries_lane_due (app_id>?)") } == true)

            // The figures: the same lease and due-date read, without and with a 50,000-row lane
            // left out.
            func timings() async throws -> (lease: Duration, nextDue: Duration) {
                var leases: [Duration] = []
                var nextDues: [Duration] = []
                for index in 0..<15 {
                    let now = self.t0.addingTimeInterval(Double(index))
                    _ = try await store.accept(StoreFixtures.submission(app: "fast", acceptedAt: now))
                    let clock = ContinuousClock()
                    var leased: [LeasedDelivery] = []
                    leases.append(
                        try await clock.measure {
                            leased = try await store.leaseDue(
                                limit: 200, owner: "d", now: now, leaseDuration: .seconds(30), excluding: slow)
                        })
                    #expect(leased.map(\.appID) == ["fast"])
                    nextDues.append(try await clock.measure { _ = try await store.nextDueDate(excluding: slow) })
                }
                return (leases.sorted()[leases.count / 2], nextDues.sorted()[nextDues.count / 2])
            }
            let quiet = try await timings()
            for index in 0..<50 {
                _ = try await store.accept(
                    StoreFixtures.submission(
                        app: "slow", targetCount: 1_000, acceptedAt: self.t0.addingTimeInterval(Double(index) / 1000)))
            }
            let backlog = try await timings()
            print(
                """
                store figures (median of 15): leaseDue \(quiet.lease) and nextDueDate \(quiet.nextDue) with no \
                backlog; with a 50,000-row lane excluded: leaseDue \(backlog.lease), nextDueDate \(backlog.nextDue)
                """)
            #expect(try await store.queueDepth() == 50_000 + 30, "the backlog is still queued")
            try await store.close()
        }
    }

    /// A file written at version 1 is upgraded in place: its queue is leased from the new index.
    @Test func aVersion1QueueIsLeasedAfterTheUpgrade() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("queue.sqlite")
            let old = try await SQLiteDeliveryStore.open(
                path: path, configuration: .init(), migrations: [SQLiteSchema.migrations[0]],
                logger: StoreFixtures.logger)
            let first = StoreFixtures.submission(app: "a", targetCount: 3)
            let second = StoreFixtures.submission(app: "b", targetCount: 3, acceptedAt: self.t0.addingTimeInterval(1))
            _ = try await old.accept(first)
            _ = try await old.accept(second)
            #expect(try await old.appliedSchemaVersions() == [1])
            try await old.close()

            let upgraded = try await self.open(path)
            #expect(try await upgraded.appliedSchemaVersions() == SQLiteSchema.migrations.map(\.version))
            let leased = try await upgraded.leaseDue(
                limit: 2, owner: "d", now: self.t0.addingTimeInterval(2), leaseDuration: .seconds(30))
            #expect(leased.map(\.id) == [first.targets[0].deliveryID, second.targets[0].deliveryID])
            try await upgraded.close()
        }
    }

    /// A body that no longer decodes must not poison the queue: its deliveries are failed with
    /// the reason on record, and the rest of the batch is leased normally.
    @Test func anUnreadableNotificationIsFailedNotLeasedForever() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite"))
            let good = StoreFixtures.submission(acceptedAt: self.t0.addingTimeInterval(1))
            let broken = StoreFixtures.submission(targetCount: 2, acceptedAt: self.t0)
            _ = try await store.accept(good)
            _ = try await store.accept(broken)
            let hexID = broken.notificationID.uuidString.replacingOccurrences(of: "-", with: "")
            try await store.executeOnWriter("UPDATE notifications SET body = '{not json' WHERE id = x'\(hexID)'")

            let leased = try await store.leaseDue(
                limit: 10, owner: "d", now: self.t0.addingTimeInterval(5), leaseDuration: .seconds(30))
            #expect(leased.map(\.id) == good.targets.map(\.deliveryID))
            #expect(
                try await store.leaseDue(
                    limit: 10, owner: "d", now: self.t0.addingTimeInterval(20), leaseDuration: .seconds(30)
                ).isEmpty)
            #expect(try await store.queueDepth() == 1, "only the good delivery, still leased")

            await #expect {
                try await store.notification(id: broken.notificationID, appID: "app-1")
            } throws: { error in
                (error as? StoreError)?.code == .corruptData
            }
            try await store.executeOnWriter(
                "UPDATE notifications SET body = (SELECT body FROM notifications WHERE id != x'\(hexID)') WHERE id = x'\(hexID)'"
            )
            let stored = try #require(try await store.notification(id: broken.notificationID, appID: "app-1"))
            #expect(stored.deliveries.map(\.state) == [.failed, .failed])
            #expect(stored.deliveries.allSatisfy { $0.attempts == 0 && $0.lastOutcome?.kind == "permanent" })
            try await store.close()
        }
    }

    @Test func anUnreadableDeliveryRowIsFailedAndTheRestIsLeased() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite"))
            let submission = StoreFixtures.submission(targetCount: 3)
            _ = try await store.accept(submission)
            let odd = submission.targets[1].deliveryID.uuidString.replacingOccurrences(of: "-", with: "")
            try await store.executeOnWriter("UPDATE deliveries SET environment = 'moon' WHERE id = x'\(odd)'")

            let leased = try await store.leaseDue(limit: 10, owner: "d", now: self.t0, leaseDuration: .seconds(30))
            #expect(leased.map(\.id) == [submission.targets[0].deliveryID, submission.targets[2].deliveryID])
            try await store.executeOnWriter("UPDATE deliveries SET environment = 'production' WHERE id = x'\(odd)'")
            let stored = try #require(try await store.notification(id: submission.notificationID, appID: "app-1"))
            #expect(stored.deliveries.map(\.state) == [.sending, .failed, .sending])
            try await store.close()
        }
    }

    @Test func recordRefusesSendingAndDuplicates() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite"))
            let id = UUID()
            let sending = DeliveryUpdate(deliveryID: id, state: .sending, lastOutcome: nil)
            await #expect(throws: StoreError.self) { try await store.record([sending], owner: "d") }
            let delivered = DeliveryUpdate(deliveryID: id, state: .delivered, lastOutcome: nil)
            await #expect(throws: StoreError.self) { try await store.record([delivered, delivered], owner: "d") }
            try await store.close()
        }
    }

    @Test func invalidConfigurationReportsEveryProblem() async throws {
        var configuration = SQLiteDeliveryStore.Configuration()
        configuration.groupCommitMaxBatch = 0
        configuration.readConnections = 0
        #expect {
            try configuration.validate()
        } throws: { error in
            let message = (error as? PushgateError)?.message ?? ""
            return message.contains("groupCommitMaxBatch") && message.contains("readConnections")
        }
        await #expect(throws: PushgateError.self) {
            try await SQLiteDeliveryStore.open(path: ":memory:", logger: StoreFixtures.logger)
        }
    }

    @Test func eachWorkSignalsAccessIsItsOwnSubscription() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await self.open(directory.path("queue.sqlite"))
            let first = store.workSignals
            let second = store.workSignals
            _ = try await store.accept(StoreFixtures.submission())
            var firstIterator = first.makeAsyncIterator()
            var secondIterator = second.makeAsyncIterator()
            #expect(await firstIterator.next() != nil)
            #expect(await secondIterator.next() != nil)
            try await store.close()
            #expect(await firstIterator.next() == nil, "streams end when the store closes")
        }
    }
}
