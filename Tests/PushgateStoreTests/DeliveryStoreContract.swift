import Foundation
import PushgateCore
import PushgateStore
import Testing

/// The behaviour every `DeliveryStore` backend must have, written against the protocol only.
/// A backend's suite runs every `Case` with a factory that returns a fresh, empty store
/// (`SQLiteDeliveryStoreContractTests` and `PostgresDeliveryStoreContractTests`).
struct DeliveryStoreContract: Sendable {
    enum Case: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case acceptThenReadBack
        case acceptIsAtomic
        case idempotencyReplayAndMismatch
        case idempotencyRecordHonoursTheWindow
        case concurrentAcceptsWithOneKey
        case concurrentAcceptsWithOneKeyAndTwoBodies
        case concurrentAcceptsAreAllStored
        case acceptAllAnswersEachInOrder
        case leaseReturnsDueOnlyOldestFirst
        case concurrentLeasersNeverShareADelivery
        case leaseTakesFromEveryLaneBeforeASecondShare
        case excludedLaneBacklogIsLeftAlone
        case expiredLeaseIsTakenOverAndOldOwnerIsRejected
        case acceptLeasedAtInsertIsOnlyItsOwners
        case recordDelivered
        case recordRetryIsNotLeasedBeforeItIsDue
        case recordCountsAmbiguousAttempts
        case recordFeedsInvalidTokensWithCursorPerApp
        case recordQueuesWebhookEvents
        case releaseRequeuesWithoutCountingAnAttempt
        case cancelTouchesOnlyQueuedDeliveries
        case queueDepthAndNextDueDate
        case purgeIdempotencyKeys
        case purgeFinishedNotificationsKeepsLiveWork
        case purgeInvalidTokensOldestFirst
        case workSignalsFireAfterAcceptAndRelease

        var testDescription: String { self.rawValue }
    }

    /// Returns a new, empty store; the contract closes it.
    var makeStore: @Sendable () async throws -> any DeliveryStore

    private var t0: Date { StoreFixtures.t0 }

    func run(_ testCase: Case) async throws {
        let store = try await self.makeStore()
        do {
            try await self.run(testCase, on: store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    private func run(_ testCase: Case, on store: any DeliveryStore) async throws {
        switch testCase {
        case .acceptThenReadBack: try await self.acceptThenReadBack(store)
        case .acceptIsAtomic: try await self.acceptIsAtomic(store)
        case .idempotencyReplayAndMismatch: try await self.idempotencyReplayAndMismatch(store)
        case .idempotencyRecordHonoursTheWindow: try await self.idempotencyWindow(store)
        case .concurrentAcceptsWithOneKey: try await self.concurrentAcceptsWithOneKey(store)
        case .concurrentAcceptsWithOneKeyAndTwoBodies: try await self.concurrentAcceptsWithOneKeyAndTwoBodies(store)
        case .concurrentAcceptsAreAllStored: try await self.concurrentAcceptsAreAllStored(store)
        case .acceptAllAnswersEachInOrder: try await self.acceptAll(store)
        case .leaseReturnsDueOnlyOldestFirst: try await self.leaseReturnsDueOnlyOldestFirst(store)
        case .concurrentLeasersNeverShareADelivery: try await self.concurrentLeasersNeverShareADelivery(store)
        case .leaseTakesFromEveryLaneBeforeASecondShare: try await self.leaseIsRoundRobin(store)
        case .excludedLaneBacklogIsLeftAlone: try await self.excludedLaneBacklog(store)
        case .expiredLeaseIsTakenOverAndOldOwnerIsRejected: try await self.expiredLease(store)
        case .acceptLeasedAtInsertIsOnlyItsOwners: try await self.acceptLeasedAtInsert(store)
        case .recordDelivered: try await self.recordDelivered(store)
        case .recordRetryIsNotLeasedBeforeItIsDue: try await self.recordRetry(store)
        case .recordCountsAmbiguousAttempts: try await self.recordAmbiguous(store)
        case .recordFeedsInvalidTokensWithCursorPerApp: try await self.invalidTokenFeed(store)
        case .recordQueuesWebhookEvents: try await self.webhookEvents(store)
        case .releaseRequeuesWithoutCountingAnAttempt: try await self.release(store)
        case .cancelTouchesOnlyQueuedDeliveries: try await self.cancel(store)
        case .queueDepthAndNextDueDate: try await self.queueDepthAndNextDueDate(store)
        case .purgeIdempotencyKeys: try await self.purgeIdempotencyKeys(store)
        case .purgeFinishedNotificationsKeepsLiveWork: try await self.purgeFinishedNotifications(store)
        case .purgeInvalidTokensOldestFirst: try await self.purgeInvalidTokens(store)
        case .workSignalsFireAfterAcceptAndRelease: try await self.workSignals(store)
        }
    }

    // MARK: Accept

    private func acceptThenReadBack(_ store: any DeliveryStore) async throws {
        let targets = [
            Submission.Target(
                deliveryID: UUID(),
                device: DeviceTarget(vendor: .apns, token: StoreFixtures.token(1), environment: .sandbox)),
            Submission.Target(deliveryID: UUID(), device: DeviceTarget(vendor: .huawei, token: "huawei-token-1")),
            Submission.Target(
                deliveryID: UUID(), device: DeviceTarget(vendor: Vendor(rawValue: "future-vendor"), token: "t")),
        ]
        let submission = StoreFixtures.submission(targets: targets, acceptedAt: self.t0.addingTimeInterval(0.25))
        #expect(try await store.accept(submission) == .accepted)

        let stored = try #require(try await store.notification(id: submission.notificationID, appID: "app-1"))
        #expect(stored.id == submission.notificationID)
        #expect(stored.appID == "app-1")
        #expect(stored.notification == submission.notification)
        #expect(stored.acceptedAt == submission.acceptedAt)
        #expect(stored.expiresAt == submission.expiresAt)
        #expect(stored.deliveries.map(\.id) == targets.map(\.deliveryID), "deliveries come back in target order")
        #expect(stored.deliveries.map(\.target) == targets.map(\.device))
        for delivery in stored.deliveries {
            #expect(delivery.state == .queued)
            #expect(delivery.attempts == 0)
            #expect(delivery.ambiguousAttempts == 0)
            #expect(delivery.nextAttemptAt == submission.acceptedAt, "a new delivery is due at acceptance")
            #expect(delivery.lastOutcome == nil)
        }

        #expect(try await store.notification(id: submission.notificationID, appID: "app-2") == nil, "scoped per app")
        #expect(try await store.notification(id: UUID(), appID: "app-1") == nil)
    }

    private func acceptIsAtomic(_ store: any DeliveryStore) async throws {
        let first = StoreFixtures.submission(targetCount: 1)
        #expect(try await store.accept(first) == .accepted)

        // A delivery id that is already stored: the whole submission fails, key included.
        let reused = StoreFixtures.submission(
            targets: StoreFixtures.targets(2) + [first.targets[0]],
            key: "atomic-key"
        )
        await #expect(throws: (any Error).self) { try await store.accept(reused) }
        #expect(try await store.notification(id: reused.notificationID, appID: "app-1") == nil)

        // The same delivery id twice in one submission.
        let duplicate = UUID()
        let twice = StoreFixtures.submission(targets: [
            Submission.Target(
                deliveryID: duplicate, device: DeviceTarget(vendor: .apns, token: StoreFixtures.token(1))),
            Submission.Target(
                deliveryID: duplicate, device: DeviceTarget(vendor: .apns, token: StoreFixtures.token(2))),
        ])
        await #expect(throws: (any Error).self) { try await store.accept(twice) }
        #expect(try await store.notification(id: twice.notificationID, appID: "app-1") == nil)

        #expect(try await store.queueDepth() == 1, "only the first submission's delivery exists")
        let leased = try await store.leaseDue(limit: 10, owner: "d", now: self.t0, leaseDuration: .seconds(30))
        #expect(leased.map(\.id) == [first.targets[0].deliveryID])

        // The failed key was not stored: it can be used now.
        let retry = StoreFixtures.submission(key: "atomic-key")
        #expect(try await store.accept(retry) == .accepted)
    }

    private func idempotencyReplayAndMismatch(_ store: any DeliveryStore) async throws {
        let original = StoreFixtures.submission(key: "key-1", hash: "hash-A")
        #expect(try await store.accept(original) == .accepted)

        let again = StoreFixtures.submission(key: "key-1", hash: "hash-A")
        #expect(try await store.accept(again) == .replay(responseBody: original.responseBody), "the stored bytes")
        #expect(
            try await store.notification(id: again.notificationID, appID: "app-1") == nil, "a replay stores nothing")

        let other = StoreFixtures.submission(key: "key-1", hash: "hash-B")
        #expect(try await store.accept(other) == .keyReuseMismatch)
        #expect(try await store.notification(id: other.notificationID, appID: "app-1") == nil)

        let otherApp = StoreFixtures.submission(app: "app-2", key: "key-1", hash: "hash-B")
        #expect(try await store.accept(otherApp) == .accepted, "keys are scoped per app")
        #expect(try await store.queueDepth() == 2)
    }

    private func idempotencyWindow(_ store: any DeliveryStore) async throws {
        let original = StoreFixtures.submission(acceptedAt: self.t0, key: "k", hash: "hash-A")
        #expect(try await store.accept(original) == .accepted)
        let record = try await store.idempotencyRecord(appID: "app-1", key: "k", validSince: self.t0)
        #expect(record == IdempotencyRecord(requestHash: "hash-A", response: original.responseBody), "at the edge")
        #expect(try await store.idempotencyRecord(appID: "app-2", key: "k", validSince: self.t0) == nil)
        let later = self.t0.addingTimeInterval(1)
        #expect(try await store.idempotencyRecord(appID: "app-1", key: "k", validSince: later) == nil, "expired")

        // An accept whose window starts after the stored key replaces it, even before any purge.
        var renewed = StoreFixtures.submission(acceptedAt: later, key: "k", hash: "hash-B")
        renewed.idempotency?.validSince = later
        #expect(try await store.accept(renewed) == .accepted)
        #expect(
            try await store.idempotencyRecord(appID: "app-1", key: "k", validSince: later)
                == IdempotencyRecord(requestHash: "hash-B", response: renewed.responseBody))
        #expect(try await store.queueDepth() == 2)
        var again = StoreFixtures.submission(acceptedAt: later, key: "k", hash: "hash-B")
        again.idempotency?.validSince = later
        #expect(try await store.accept(again) == .replay(responseBody: renewed.responseBody))
    }

    private func concurrentAcceptsWithOneKey(_ store: any DeliveryStore) async throws {
        let submissions = (0..<50).map { _ in
            StoreFixtures.submission(targetCount: 2, key: "same-key", hash: "same-hash")
        }
        let results = try await self.acceptConcurrently(submissions, into: store)

        let accepted = results.indices.filter { results[$0] == .accepted }
        try #require(accepted.count == 1, "exactly one of 50 concurrent requests is stored")
        let winner = submissions[accepted[0]]
        for (index, result) in results.enumerated() where index != accepted[0] {
            #expect(result == .replay(responseBody: winner.responseBody))
        }
        #expect(try await store.queueDepth() == 2)
        #expect(try await store.notification(id: winner.notificationID, appID: "app-1") != nil)
    }

    private func concurrentAcceptsWithOneKeyAndTwoBodies(_ store: any DeliveryStore) async throws {
        let submissions = (0..<20).map { index in
            StoreFixtures.submission(key: "shared", hash: index.isMultiple(of: 2) ? "even" : "odd")
        }
        let results = try await self.acceptConcurrently(submissions, into: store)
        let accepted = results.indices.filter { results[$0] == .accepted }
        try #require(accepted.count == 1)
        let winner = submissions[accepted[0]]
        for (index, result) in results.enumerated() where index != accepted[0] {
            let sameBody = submissions[index].idempotency?.requestHash == winner.idempotency?.requestHash
            #expect(result == (sameBody ? .replay(responseBody: winner.responseBody) : .keyReuseMismatch))
        }
        #expect(try await store.queueDepth() == 1)
    }

    private func concurrentAcceptsAreAllStored(_ store: any DeliveryStore) async throws {
        let submissions = (0..<400).map { index in
            StoreFixtures.submission(targetCount: 2, key: index.isMultiple(of: 2) ? "key-\(index)" : nil)
        }
        let results = try await self.acceptConcurrently(submissions, into: store)
        #expect(results.allSatisfy { $0 == .accepted })
        #expect(try await store.queueDepth() == 800)
        for submission in submissions {
            let stored = try await store.notification(id: submission.notificationID, appID: "app-1")
            #expect(stored?.deliveries.map(\.id) == submission.targets.map(\.deliveryID))
        }
    }

    /// A batch request's submissions: each answered as alone, in order; a failing one fails
    /// alone; a key repeated inside the batch is stored once.
    private func acceptAll(_ store: any DeliveryStore) async throws {
        let earlier = StoreFixtures.submission(key: "stored", hash: "hash-A")
        #expect(try await store.accept(earlier) == .accepted)

        let fresh = (0..<300).map { index in
            StoreFixtures.submission(targetCount: 1 + index % 3, key: index.isMultiple(of: 3) ? "batch-\(index)" : nil)
        }
        let replay = StoreFixtures.submission(key: "stored", hash: "hash-A")
        let mismatch = StoreFixtures.submission(key: "stored", hash: "hash-B")
        // A delivery id that is already stored: this one fails, the others do not.
        let conflicting = StoreFixtures.submission(targets: [earlier.targets[0]])
        let repeatedKey = [
            StoreFixtures.submission(key: "twice", hash: "hash-T"),
            StoreFixtures.submission(key: "twice", hash: "hash-T"),
        ]
        let batch = fresh + [replay, mismatch, conflicting] + repeatedKey
        let results = await store.accept(all: batch)
        try #require(results.count == batch.count)

        for (index, submission) in fresh.enumerated() {
            #expect((try? results[index].get()) == .accepted)
            let stored = try await store.notification(id: submission.notificationID, appID: "app-1")
            #expect(stored?.deliveries.map(\.id) == submission.targets.map(\.deliveryID))
        }
        #expect((try? results[300].get()) == .replay(responseBody: earlier.responseBody))
        #expect((try? results[301].get()) == .keyReuseMismatch)
        #expect(throws: (any Error).self) { try results[302].get() }
        #expect(try await store.notification(id: conflicting.notificationID, appID: "app-1") == nil)
        let twice = results[303...].compactMap { try? $0.get() }
        #expect(
            twice.sorted { "\($0)" < "\($1)" }
                == [.accepted, .replay(responseBody: repeatedKey[0].responseBody)].sorted { "\($0)" < "\($1)" })

        let stored = 1 + fresh.reduce(0) { $0 + $1.targets.count } + 1
        #expect(try await store.queueDepth() == stored)
        #expect(await store.accept(all: []).isEmpty)
    }

    private func acceptConcurrently(_ submissions: [Submission], into store: any DeliveryStore) async throws
        -> [AcceptResult]
    {
        try await withThrowingTaskGroup(of: (Int, AcceptResult).self) { group in
            for (index, submission) in submissions.enumerated() {
                group.addTask { (index, try await store.accept(submission)) }
            }
            var results = [AcceptResult?](repeating: nil, count: submissions.count)
            for try await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
    }

    // MARK: Lease

    private func leaseReturnsDueOnlyOldestFirst(_ store: any DeliveryStore) async throws {
        // Accepted out of order: the lease must order by due time, not by insertion.
        let late = StoreFixtures.submission(acceptedAt: self.t0.addingTimeInterval(2))
        let early = StoreFixtures.submission(targetCount: 2, acceptedAt: self.t0)
        let middle = StoreFixtures.submission(acceptedAt: self.t0.addingTimeInterval(1))
        for submission in [late, early, middle] { #expect(try await store.accept(submission) == .accepted) }

        let leased = try await store.leaseDue(
            limit: 10, owner: "d1", now: self.t0.addingTimeInterval(1.5), leaseDuration: .seconds(30))
        #expect(leased.map(\.id) == early.targets.map(\.deliveryID) + middle.targets.map(\.deliveryID))
        let first = try #require(leased.first)
        #expect(first.notificationID == early.notificationID)
        #expect(first.appID == "app-1")
        #expect(first.notification == early.notification)
        #expect(first.target == early.targets[0].device)
        #expect(first.attempts == 0)
        #expect(first.ambiguousAttempts == 0)
        #expect(first.acceptedAt == early.acceptedAt)
        #expect(first.expiresAt == early.expiresAt)

        let again = try await store.leaseDue(
            limit: 10, owner: "d2", now: self.t0.addingTimeInterval(1.5), leaseDuration: .seconds(30))
        #expect(again.isEmpty, "leased deliveries are not leased again while the lease holds")

        let limited = try await store.leaseDue(
            limit: 1, owner: "d2", now: self.t0.addingTimeInterval(3), leaseDuration: .seconds(30))
        #expect(limited.map(\.id) == late.targets.map(\.deliveryID))
    }

    private func concurrentLeasersNeverShareADelivery(_ store: any DeliveryStore) async throws {
        var expected: Set<UUID> = []
        for batch in 0..<20 {
            let submissions = (0..<10).map { index in
                StoreFixtures.submission(
                    targetCount: 10, acceptedAt: self.t0.addingTimeInterval(Double(batch * 10 + index) / 1000))
            }
            for submission in submissions { expected.formUnion(submission.targets.map(\.deliveryID)) }
            _ = try await self.acceptConcurrently(submissions, into: store)
        }
        #expect(expected.count == 2000)

        let now = self.t0.addingTimeInterval(60)
        let leasedPerOwner = try await withThrowingTaskGroup(of: [UUID].self) { group in
            for owner in 0..<4 {
                group.addTask {
                    var mine: [UUID] = []
                    while true {
                        let leased = try await store.leaseDue(
                            limit: 37, owner: "owner-\(owner)", now: now, leaseDuration: .seconds(300))
                        if leased.isEmpty { return mine }
                        mine += leased.map(\.id)
                    }
                }
            }
            var all: [[UUID]] = []
            for try await ids in group { all.append(ids) }
            return all
        }
        let all = leasedPerOwner.flatMap { $0 }
        #expect(all.count == 2000, "every delivery leased once: \(all.count) leases")
        #expect(Set(all) == expected)
        #expect(leasedPerOwner.filter { !$0.isEmpty }.count > 1, "the loops really ran concurrently")
    }

    /// Fair lanes (ARCHITECTURE rule 6): one lane's older backlog does not hold back another
    /// lane's due work. Lanes differ by app, by vendor and by environment.
    private func leaseIsRoundRobin(_ store: any DeliveryStore) async throws {
        func submission(
            _ app: String, _ vendor: Vendor, _ environment: DeviceTarget.Environment, count: Int, at: Double
        )
            -> Submission
        {
            let targets = (0..<count).map { index in
                Submission.Target(
                    deliveryID: UUID(),
                    device: DeviceTarget(vendor: vendor, token: StoreFixtures.token(index), environment: environment))
            }
            return StoreFixtures.submission(app: app, targets: targets, acceptedAt: self.t0.addingTimeInterval(at))
        }
        // The oldest lane has the most work; the others came later with less.
        let backlog = (0..<3).map { submission("big", .apns, .production, count: 10, at: Double($0) / 10) }
        let sandbox = submission("big", .apns, .sandbox, count: 2, at: 1)
        let otherVendor = submission("big", .huawei, .production, count: 5, at: 2)
        let otherApp = submission("small", .apns, .production, count: 1, at: 3)
        let notYetDue = submission("late", .apns, .production, count: 3, at: 100)
        for item in backlog + [sandbox, otherVendor, otherApp, notYetDue] {
            #expect(try await store.accept(item) == .accepted)
        }
        let now = self.t0.addingTimeInterval(10)
        func lanes(_ leased: [LeasedDelivery]) -> [String: Int] {
            leased.reduce(into: [:]) { counts, delivery in
                counts[Lane(appID: delivery.appID, target: delivery.target).description, default: 0] += 1
            }
        }

        // Four lanes with due work, a lease of four: one each, the oldest of each lane.
        let first = try await store.leaseDue(limit: 4, owner: "d", now: now, leaseDuration: .seconds(30))
        #expect(
            lanes(first) == [
                "big/apns/production": 1, "big/apns/sandbox": 1, "big/huawei/production": 1, "small/apns/production": 1,
            ], "\(lanes(first))")
        #expect(
            Set(first.map(\.id))
                == [
                    backlog[0].targets[0].deliveryID, sandbox.targets[0].deliveryID,
                    otherVendor.targets[0].deliveryID, otherApp.targets[0].deliveryID,
                ])
        #expect(first.map(\.acceptedAt) == first.map(\.acceptedAt).sorted(), "the result is oldest due first")

        // Three lanes left with 29, 1 and 4 due: 10 are shared 4 (the lane due longest), 3, 3;
        // the sandbox lane has only 1, and the 2 it leaves go round again, one each.
        let second = try await store.leaseDue(limit: 10, owner: "d", now: now, leaseDuration: .seconds(30))
        #expect(
            lanes(second) == ["big/apns/production": 5, "big/apns/sandbox": 1, "big/huawei/production": 4],
            "\(lanes(second))")
        let backlogIDs = backlog.flatMap { $0.targets.map(\.deliveryID) }
        #expect(
            second.filter { $0.appID == "big" && $0.target.vendor == .apns && $0.target.environment == .production }
                .map(\.id) == Array(backlogIDs[1...5]), "within a lane, oldest due first")

        // Only the backlog is left, and it takes the whole lease; the lane not yet due takes nothing.
        let third = try await store.leaseDue(limit: 100, owner: "d", now: now, leaseDuration: .seconds(30))
        #expect(third.map(\.id) == Array(backlogIDs[6...]))
        #expect(try await store.leaseDue(limit: 100, owner: "d", now: now, leaseDuration: .seconds(30)).isEmpty)
        #expect(try await store.queueDepth() == 41, "leased deliveries still count")
    }

    /// A paused or full lane is left out of leases and of the next due date; its backlog stays
    /// queued, untouched, and in line for when it takes work again.
    private func excludedLaneBacklog(_ store: any DeliveryStore) async throws {
        let backlog = (0..<50).map { index in
            StoreFixtures.submission(
                app: "slow", targetCount: 1_000, acceptedAt: self.t0.addingTimeInterval(Double(index) / 1000))
        }
        for submission in backlog { #expect(try await store.accept(submission) == .accepted) }
        let other = StoreFixtures.submission(app: "fast", targetCount: 3, acceptedAt: self.t0.addingTimeInterval(1))
        #expect(try await store.accept(other) == .accepted)
        let slow: Set<Lane> = [Lane(appID: "slow", vendor: .apns)]
        let now = self.t0.addingTimeInterval(5)

        #expect(try await store.nextDueDate() == self.t0)
        #expect(try await store.nextDueDate(excluding: slow) == other.acceptedAt)
        let leased = try await store.leaseDue(
            limit: 200, owner: "d", now: now, leaseDuration: .seconds(30), excluding: slow)
        #expect(leased.map(\.id) == other.targets.map(\.deliveryID))
        #expect(try await store.nextDueDate(excluding: slow) == now.addingTimeInterval(30), "only the leases are left")
        #expect(
            try await store.leaseDue(limit: 200, owner: "d", now: now, leaseDuration: .seconds(30), excluding: slow)
                .isEmpty)

        let first = try #require(try await store.notification(id: backlog[0].notificationID, appID: "slow"))
        #expect(first.deliveries.allSatisfy { $0.state == .queued && $0.attempts == 0 })
        #expect(try await store.queueDepth() == 50_003)
        // Taking work again, the lane starts where it was: its oldest deliveries first.
        let resumed = try await store.leaseDue(limit: 200, owner: "d", now: now, leaseDuration: .seconds(30))
        #expect(resumed.map(\.id) == Array(backlog[0].targets.map(\.deliveryID).prefix(200)))
    }

    private func expiredLease(_ store: any DeliveryStore) async throws {
        let submission = StoreFixtures.submission()
        _ = try await store.accept(submission)
        let id = submission.targets[0].deliveryID

        #expect(
            try await store.leaseDue(limit: 5, owner: "A", now: self.t0, leaseDuration: .seconds(30)).map(\.id) == [id])
        #expect(
            try await store.leaseDue(
                limit: 5, owner: "B", now: self.t0.addingTimeInterval(10), leaseDuration: .seconds(30)
            ).isEmpty)
        let takenOver = try await store.leaseDue(
            limit: 5, owner: "B", now: self.t0.addingTimeInterval(31), leaseDuration: .seconds(30))
        #expect(takenOver.map(\.id) == [id], "an expired lease makes the delivery due again")

        let late = DeliveryUpdate(
            deliveryID: id, state: .delivered, lastOutcome: LastOutcome(kind: "delivered", at: self.t0))
        #expect(try await store.record([late], owner: "A") == 0, "the first owner lost its lease")
        #expect(try await store.record([late], owner: "B") == 1)
        let stored = try await store.notification(id: submission.notificationID, appID: "app-1")
        #expect(stored?.deliveries.first?.state == .delivered)
        // A's attempt may have reached the vendor before A lost its lease: it counts, as ambiguous.
        #expect(stored?.deliveries.first?.attempts == 2)
        #expect(stored?.deliveries.first?.ambiguousAttempts == 1)
    }

    /// Hand-off after commit: a submission stored with a lease is `sending`, owned by the
    /// accepting gateway; nobody else leases it before the lease expires, its owner records it,
    /// and if the owner dies the next lease takes it over once, counting one ambiguous attempt.
    private func acceptLeasedAtInsert(_ store: any DeliveryStore) async throws {
        var handedOff = StoreFixtures.submission(targetCount: 2)
        handedOff.lease = Submission.Lease(owner: "A", until: self.t0.addingTimeInterval(30))
        var orphaned = StoreFixtures.submission(targetCount: 1)
        orphaned.lease = Submission.Lease(owner: "dead", until: self.t0.addingTimeInterval(30))
        let queued = StoreFixtures.submission(targetCount: 1)
        #expect(try await store.accept(handedOff) == .accepted)
        #expect(try await store.accept(orphaned) == .accepted)
        #expect(try await store.accept(queued) == .accepted)

        let stored = try #require(try await store.notification(id: handedOff.notificationID, appID: "app-1"))
        #expect(stored.deliveries.map(\.state) == [.sending, .sending])
        #expect(try await store.queueDepth() == 4, "leased at insert still counts as queue depth")

        let leased = try await store.leaseDue(limit: 10, owner: "B", now: self.t0, leaseDuration: .seconds(60))
        #expect(leased.map(\.id) == queued.targets.map(\.deliveryID), "only the queued one is due")
        #expect(try await store.nextDueDate() == self.t0.addingTimeInterval(30), "due again when the leases expire")

        let delivered = handedOff.targets.map {
            DeliveryUpdate(
                deliveryID: $0.deliveryID, state: .delivered, lastOutcome: LastOutcome(kind: "delivered", at: self.t0))
        }
        #expect(try await store.record(delivered, owner: "B") == 0, "not B's lease")
        #expect(try await store.record(delivered, owner: "A") == 2, "the accepting gateway records its hand-off")

        let takenOver = try await store.leaseDue(
            limit: 10, owner: "B", now: self.t0.addingTimeInterval(31), leaseDuration: .seconds(30))
        #expect(takenOver.map(\.id) == orphaned.targets.map(\.deliveryID), "a dead owner's hand-off, once")
        #expect(takenOver.first?.attempts == 1)
        #expect(takenOver.first?.ambiguousAttempts == 1, "its owner may have sent it before it died")
        #expect(
            try await store.leaseDue(
                limit: 10, owner: "C", now: self.t0.addingTimeInterval(32), leaseDuration: .seconds(30)
            ).isEmpty)
    }

    // MARK: Record

    private func leaseOne(_ store: any DeliveryStore, owner: String = "d", at now: Date? = nil) async throws
        -> LeasedDelivery
    {
        let leased = try await store.leaseDue(limit: 1, owner: owner, now: now ?? self.t0, leaseDuration: .seconds(30))
        return try #require(leased.first)
    }

    private func recordDelivered(_ store: any DeliveryStore) async throws {
        let submission = StoreFixtures.submission(targetCount: 2)
        _ = try await store.accept(submission)
        let delivery = try await self.leaseOne(store)
        let outcome = LastOutcome(kind: "delivered", vendorStatus: 200, at: self.t0.addingTimeInterval(0.5))
        let applied = try await store.record(
            [DeliveryUpdate(deliveryID: delivery.id, state: .delivered, lastOutcome: outcome)],
            owner: "d"
        )
        #expect(applied == 1)

        let stored = try #require(try await store.notification(id: submission.notificationID, appID: "app-1"))
        let recorded = try #require(stored.deliveries.first { $0.id == delivery.id })
        #expect(recorded.state == .delivered)
        #expect(recorded.attempts == 1)
        #expect(recorded.ambiguousAttempts == 0)
        #expect(recorded.nextAttemptAt == nil)
        #expect(recorded.lastOutcome == outcome)
        #expect(stored.deliveries.first { $0.id != delivery.id }?.state == .queued)
        #expect(try await store.queueDepth() == 1)

        // A final delivery never changes again, even for its last owner.
        let again = DeliveryUpdate(deliveryID: delivery.id, state: .failed, lastOutcome: outcome)
        #expect(try await store.record([again], owner: "d") == 0)
    }

    private func recordRetry(_ store: any DeliveryStore) async throws {
        _ = try await store.accept(StoreFixtures.submission())
        let delivery = try await self.leaseOne(store)
        let outcome = LastOutcome(kind: "retryable", vendorStatus: 503, vendorReason: "ServiceUnavailable", at: self.t0)
        let retryAt = self.t0.addingTimeInterval(60)
        let applied = try await store.record(
            [DeliveryUpdate(deliveryID: delivery.id, state: .queued, nextAttemptAt: retryAt, lastOutcome: outcome)],
            owner: "d"
        )
        #expect(applied == 1)
        #expect(
            try await store.leaseDue(
                limit: 5, owner: "d", now: self.t0.addingTimeInterval(30), leaseDuration: .seconds(30)
            ).isEmpty)
        #expect(try await store.nextDueDate() == retryAt)

        let retried = try await self.leaseOne(store, at: self.t0.addingTimeInterval(61))
        #expect(retried.id == delivery.id)
        #expect(retried.attempts == 1)
        #expect(retried.notification == StoreFixtures.notification)
    }

    private func recordAmbiguous(_ store: any DeliveryStore) async throws {
        let submission = StoreFixtures.submission()
        _ = try await store.accept(submission)
        let delivery = try await self.leaseOne(store)
        let outcome = LastOutcome(kind: "ambiguous", stage: FailureStage.awaitingResponse.rawValue, at: self.t0)
        _ = try await store.record(
            [
                DeliveryUpdate(
                    deliveryID: delivery.id, state: .queued, wasAmbiguous: true, nextAttemptAt: self.t0,
                    lastOutcome: outcome)
            ],
            owner: "d"
        )
        let retried = try await self.leaseOne(store, at: self.t0.addingTimeInterval(1))
        #expect(retried.attempts == 1)
        #expect(retried.ambiguousAttempts == 1)

        // Budget spent on an ambiguous attempt: final state `ambiguous`, both counters up.
        _ = try await store.record(
            [DeliveryUpdate(deliveryID: delivery.id, state: .ambiguous, wasAmbiguous: true, lastOutcome: outcome)],
            owner: "d"
        )
        let stored = try await store.notification(id: submission.notificationID, appID: "app-1")
        let final = try #require(stored?.deliveries.first)
        #expect(final.state == .ambiguous)
        #expect(final.attempts == 2)
        #expect(final.ambiguousAttempts == 2)
        #expect(final.lastOutcome?.stage == FailureStage.awaitingResponse.rawValue)
    }

    private func invalidTokenFeed(_ store: any DeliveryStore) async throws {
        _ = try await store.accept(StoreFixtures.submission(app: "app-1", targetCount: 3))
        _ = try await store.accept(
            StoreFixtures.submission(app: "app-2", targetCount: 1, acceptedAt: self.t0.addingTimeInterval(1)))
        let leased = try await store.leaseDue(
            limit: 10, owner: "d", now: self.t0.addingTimeInterval(1), leaseDuration: .seconds(30))
        try #require(leased.count == 4)

        let since = self.t0.addingTimeInterval(-86_400)
        let updates = leased.map { delivery in
            DeliveryUpdate(
                deliveryID: delivery.id,
                state: .invalidToken,
                lastOutcome: LastOutcome(
                    kind: "invalid_token", vendorStatus: 410, vendorReason: "Unregistered", at: self.t0),
                invalidToken: InvalidTokenReport(
                    appID: delivery.appID, vendor: delivery.target.vendor, token: delivery.target.token,
                    reason: "Unregistered", since: since
                )
            )
        }
        // Reports of updates that are not applied (wrong owner) never reach the feed.
        #expect(try await store.record(updates, owner: "someone-else") == 0)
        #expect(try await store.invalidTokens(appID: "app-1", after: 0, limit: 10).isEmpty)

        #expect(try await store.record(updates, owner: "d") == 4)
        let all = try await store.invalidTokens(appID: "app-1", after: 0, limit: 10)
        #expect(all.count == 3)
        #expect(all.map(\.sequence) == all.map(\.sequence).sorted())
        #expect(Set(all.map(\.sequence)).count == 3)
        #expect(
            all.allSatisfy {
                $0.report.appID == "app-1" && $0.report.reason == "Unregistered" && $0.report.since == since
            })
        #expect(Set(all.map(\.report.token)) == Set(leased.filter { $0.appID == "app-1" }.map(\.target.token)))

        let page1 = try await store.invalidTokens(appID: "app-1", after: 0, limit: 2)
        let page2 = try await store.invalidTokens(appID: "app-1", after: try #require(page1.last).sequence, limit: 2)
        #expect(page1.map(\.sequence) + page2.map(\.sequence) == all.map(\.sequence))
        #expect(try await store.invalidTokens(appID: "app-1", after: try #require(all.last).sequence, limit: 2).isEmpty)

        let other = try await store.invalidTokens(appID: "app-2", after: 0, limit: 10)
        #expect(other.count == 1)
        #expect(other.first?.report.vendor == .apns)
    }

    private func webhookEvents(_ store: any DeliveryStore) async throws {
        _ = try await store.accept(StoreFixtures.submission(app: "app-7"))
        let delivery = try await self.leaseOne(store)
        let bodies: [[UInt8]] = [Array(#"{"event":"delivered"}"#.utf8), Array(#"{"event":"second"}"#.utf8)]
        _ = try await store.record(
            [
                DeliveryUpdate(
                    deliveryID: delivery.id, state: .delivered,
                    lastOutcome: LastOutcome(kind: "delivered", at: self.t0), webhookEvents: bodies)
            ],
            owner: "d"
        )

        let events = try await store.leaseWebhookEvents(limit: 10, now: self.t0, leaseDuration: .seconds(30))
        #expect(events.map(\.body) == bodies)
        #expect(events.allSatisfy { $0.appID == "app-7" && $0.attempts == 0 })
        #expect(
            try await store.leaseWebhookEvents(
                limit: 10, now: self.t0.addingTimeInterval(10), leaseDuration: .seconds(30)
            ).isEmpty)

        let first = try #require(events.first)
        let second = try #require(events.last)
        try await store.completeWebhookEvents(
            sent: [first.id], retry: [(id: second.id, nextAttemptAt: self.t0.addingTimeInterval(60))], failed: [])
        #expect(
            try await store.leaseWebhookEvents(
                limit: 10, now: self.t0.addingTimeInterval(40), leaseDuration: .seconds(30)
            ).isEmpty)
        let retried = try await store.leaseWebhookEvents(
            limit: 10, now: self.t0.addingTimeInterval(61), leaseDuration: .seconds(30))
        #expect(retried.map(\.id) == [second.id])
        #expect(retried.first?.attempts == 1)

        // A lease that is never completed runs out and the event is due again.
        let expired = try await store.leaseWebhookEvents(
            limit: 10, now: self.t0.addingTimeInterval(92), leaseDuration: .seconds(30))
        #expect(expired.map(\.id) == [second.id])

        try await store.completeWebhookEvents(sent: [], retry: [], failed: [second.id])
        #expect(
            try await store.leaseWebhookEvents(
                limit: 10, now: self.t0.addingTimeInterval(10_000), leaseDuration: .seconds(30)
            ).isEmpty)
    }

    // MARK: Release, cancel, gauges

    private func release(_ store: any DeliveryStore) async throws {
        let submission = StoreFixtures.submission(targetCount: 2)
        _ = try await store.accept(submission)
        let leased = try await store.leaseDue(limit: 10, owner: "A", now: self.t0, leaseDuration: .seconds(300))
        try #require(leased.count == 2)

        try await store.release(deliveryIDs: leased.map(\.id), owner: "B")
        #expect(
            try await store.leaseDue(limit: 10, owner: "B", now: self.t0, leaseDuration: .seconds(300)).isEmpty,
            "not B's lease")

        try await store.release(deliveryIDs: leased.map(\.id), owner: "A")
        let stored = try await store.notification(id: submission.notificationID, appID: "app-1")
        #expect(stored?.deliveries.allSatisfy { $0.state == .queued && $0.attempts == 0 } == true)

        let again = try await store.leaseDue(limit: 10, owner: "B", now: self.t0, leaseDuration: .seconds(300))
        #expect(again.map(\.id) == leased.map(\.id), "due at once, in the same order")
        #expect(again.allSatisfy { $0.attempts == 0 })
    }

    private func cancel(_ store: any DeliveryStore) async throws {
        let submission = StoreFixtures.submission(targetCount: 3)
        _ = try await store.accept(submission)
        let ids = submission.targets.map(\.deliveryID)
        let leased = try await store.leaseDue(limit: 2, owner: "d", now: self.t0, leaseDuration: .seconds(300))
        #expect(leased.map(\.id) == Array(ids.prefix(2)))
        _ = try await store.record(
            [
                DeliveryUpdate(
                    deliveryID: ids[0], state: .delivered, lastOutcome: LastOutcome(kind: "delivered", at: self.t0))
            ],
            owner: "d"
        )

        #expect(try await store.cancel(notificationID: submission.notificationID, appID: "app-2", now: self.t0) == nil)
        #expect(try await store.cancel(notificationID: UUID(), appID: "app-1", now: self.t0) == nil)

        let cancelled = try #require(
            try await store.cancel(notificationID: submission.notificationID, appID: "app-1", now: self.t0))
        #expect(cancelled.deliveries.map(\.state) == [.delivered, .sending, .cancelled])
        #expect(cancelled.deliveries[2].nextAttemptAt == nil)

        // The leased one is left to its dispatcher, which can still record it.
        let applied = try await store.record(
            [
                DeliveryUpdate(
                    deliveryID: ids[1], state: .delivered, lastOutcome: LastOutcome(kind: "delivered", at: self.t0))
            ],
            owner: "d"
        )
        #expect(applied == 1)
        #expect(
            try await store.leaseDue(
                limit: 10, owner: "d", now: self.t0.addingTimeInterval(3600), leaseDuration: .seconds(30)
            ).isEmpty)
        #expect(try await store.queueDepth() == 0)
    }

    private func queueDepthAndNextDueDate(_ store: any DeliveryStore) async throws {
        #expect(try await store.queueDepth() == 0)
        #expect(try await store.nextDueDate() == nil)

        let early = StoreFixtures.submission(targetCount: 2, acceptedAt: self.t0.addingTimeInterval(5))
        let late = StoreFixtures.submission(targetCount: 3, acceptedAt: self.t0.addingTimeInterval(9))
        _ = try await store.accept(late)
        _ = try await store.accept(early)
        #expect(try await store.queueDepth() == 5)
        #expect(try await store.nextDueDate() == early.acceptedAt)

        // Leased deliveries still count in the depth; their lease expiry is a due date too.
        let leased = try await store.leaseDue(
            limit: 2, owner: "d", now: self.t0.addingTimeInterval(6), leaseDuration: .seconds(1))
        #expect(leased.count == 2)
        #expect(try await store.queueDepth() == 5)
        #expect(
            try await store.nextDueDate() == self.t0.addingTimeInterval(7), "the leases run out before `late` is due")

        _ = try await store.record(
            leased.map {
                DeliveryUpdate(
                    deliveryID: $0.id, state: .delivered, lastOutcome: LastOutcome(kind: "delivered", at: self.t0))
            },
            owner: "d"
        )
        #expect(try await store.queueDepth() == 3)
        #expect(try await store.nextDueDate() == late.acceptedAt)
    }

    private func purgeIdempotencyKeys(_ store: any DeliveryStore) async throws {
        let old = StoreFixtures.submission(acceptedAt: self.t0, key: "old")
        let recent = StoreFixtures.submission(acceptedAt: self.t0.addingTimeInterval(100), key: "recent")
        _ = try await store.accept(old)
        _ = try await store.accept(recent)

        #expect(try await store.purgeIdempotencyKeys(createdBefore: self.t0.addingTimeInterval(50)) == 1)
        #expect(try await store.purgeIdempotencyKeys(createdBefore: self.t0.addingTimeInterval(50)) == 0)

        #expect(try await store.accept(StoreFixtures.submission(key: "old")) == .accepted, "the old key is forgotten")
        let replay = try await store.accept(StoreFixtures.submission(key: "recent"))
        #expect(replay == .replay(responseBody: recent.responseBody))
        #expect(try await store.notification(id: old.notificationID, appID: "app-1") != nil, "only the key is purged")
    }

    // Retention cut-offs compare with the store's own clock (the real time here): outcomes are
    // stamped with it when recorded.

    private func purgeFinishedNotifications(_ store: any DeliveryStore) async throws {
        let acceptedAt = Date().addingTimeInterval(-3600)
        let done = StoreFixtures.submission(acceptedAt: acceptedAt)
        let failed = StoreFixtures.submission(acceptedAt: acceptedAt.addingTimeInterval(1))
        let halfDone = StoreFixtures.submission(targetCount: 2, acceptedAt: acceptedAt.addingTimeInterval(2))
        let untouched = StoreFixtures.submission(acceptedAt: acceptedAt.addingTimeInterval(3))
        for submission in [done, failed, halfDone, untouched] { _ = try await store.accept(submission) }
        let leased = try await store.leaseDue(limit: 4, owner: "d", now: Date(), leaseDuration: .seconds(60))
        try #require(leased.count == 4)
        let byNotification = Dictionary(grouping: leased, by: \.notificationID)
        var updates: [DeliveryUpdate] = []
        for (id, state) in [(done.notificationID, DeliveryState.delivered), (failed.notificationID, .failed)] {
            let delivery = try #require(byNotification[id]?.first)
            updates.append(
                DeliveryUpdate(deliveryID: delivery.id, state: state, lastOutcome: .init(kind: "x", at: Date())))
        }
        let halfDelivered = try #require(byNotification[halfDone.notificationID]?.first)
        updates.append(
            DeliveryUpdate(deliveryID: halfDelivered.id, state: .delivered, lastOutcome: .init(kind: "x", at: Date())))
        #expect(try await store.record(updates, owner: "d") == 3)

        #expect(
            try await store.purgeFinishedNotifications(finishedBefore: Date().addingTimeInterval(-600), limit: 10) == 0,
            "finished too recently")
        let cutOff = Date().addingTimeInterval(60)
        #expect(try await store.purgeFinishedNotifications(finishedBefore: cutOff, limit: 1) == 1, "oldest first")
        #expect(try await store.notification(id: done.notificationID, appID: "app-1") == nil)
        #expect(try await store.notification(id: failed.notificationID, appID: "app-1") != nil)
        #expect(try await store.purgeFinishedNotifications(finishedBefore: cutOff, limit: 10) == 1)
        #expect(try await store.notification(id: failed.notificationID, appID: "app-1") == nil)
        #expect(try await store.purgeFinishedNotifications(finishedBefore: cutOff, limit: 10) == 0)

        // Live work stays, whole: a notification with one delivery still out, one still queued.
        #expect(try await store.notification(id: halfDone.notificationID, appID: "app-1")?.deliveries.count == 2)
        #expect(try await store.notification(id: untouched.notificationID, appID: "app-1") != nil)
        #expect(try await store.queueDepth() == 2)
        _ = try await store.reclaimSpace()
    }

    private func purgeInvalidTokens(_ store: any DeliveryStore) async throws {
        _ = try await store.accept(StoreFixtures.submission(targetCount: 3, acceptedAt: Date()))
        let leased = try await store.leaseDue(limit: 3, owner: "d", now: Date(), leaseDuration: .seconds(60))
        let updates = leased.map { delivery in
            DeliveryUpdate(
                deliveryID: delivery.id,
                state: .invalidToken,
                lastOutcome: LastOutcome(kind: "invalid_token", at: Date()),
                invalidToken: InvalidTokenReport(
                    appID: delivery.appID, vendor: delivery.target.vendor, token: delivery.target.token,
                    reason: "Unregistered", since: nil)
            )
        }
        #expect(try await store.record(updates, owner: "d") == 3)
        #expect(try await store.purgeInvalidTokens(reportedBefore: Date().addingTimeInterval(-600), limit: 10) == 0)
        let feed = try await store.invalidTokens(appID: "app-1", after: 0, limit: 10)
        #expect(try await store.purgeInvalidTokens(reportedBefore: Date().addingTimeInterval(60), limit: 2) == 2)
        let rest = try await store.invalidTokens(appID: "app-1", after: 0, limit: 10)
        #expect(rest.map(\.sequence) == [feed.last?.sequence], "the oldest records go first")
        #expect(try await store.purgeInvalidTokens(reportedBefore: Date().addingTimeInterval(60), limit: 2) == 1)
        #expect(try await store.invalidTokens(appID: "app-1", after: 0, limit: 10).isEmpty)
    }

    private func workSignals(_ store: any DeliveryStore) async throws {
        let signals = store.workSignals
        let received = Task {
            var count = 0
            for await _ in signals {
                count += 1
                if count == 2 { return true }
            }
            return false
        }
        _ = try await store.accept(StoreFixtures.submission())
        // Give the listener the first signal before the second can coalesce with it.
        try await Task.sleep(for: .milliseconds(50))
        let leased = try await store.leaseDue(limit: 1, owner: "d", now: self.t0, leaseDuration: .seconds(30))
        try await store.release(deliveryIDs: leased.map(\.id), owner: "d")

        let timeout = Task {
            try await Task.sleep(for: .seconds(10))
            received.cancel()
        }
        #expect(await received.value, "a signal after the accept and one after the release")
        timeout.cancel()
    }
}
