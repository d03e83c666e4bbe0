import Foundation
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateStore

@Suite("SQLite retention", .timeLimit(.minutes(3)))
struct SQLiteRetentionTests {
    /// Rounds of steady traffic: each accepts, delivers and (with retention) purges 1,500
    /// notifications. Without retention the file grows by every round; with it, it must not.
    @Test func retentionKeepsTheFileSizeSteady() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("queue.sqlite")
            let store = try await SQLiteDeliveryStore.open(path: path, logger: StoreFixtures.logger)
            #expect(try await store.autoVacuumMode() == 2, "a new file is created with incremental auto-vacuum")
            var sizes: [Int] = []
            for _ in 0..<5 {
                try await Self.acceptAndDeliver(1_500, into: store)
                var purged = 0
                while true {
                    let deleted = try await store.purgeFinishedNotifications(
                        finishedBefore: Date().addingTimeInterval(1), limit: 500)
                    purged += deleted
                    if deleted < 500 { break }
                }
                #expect(purged == 1_500)
                while try await store.reclaimSpace() {}
                try await store.checkpointNow()
                sizes.append(try Self.fileSize(path))
            }
            #expect(try await store.queueDepth() == 0)
            #expect(try await store.integrityCheck() == ["ok"])
            // 1,500 notifications take over 1 MiB; the file may wobble by a few pages.
            let first = try #require(sizes.first)
            #expect(sizes.allSatisfy { $0 <= first + 256 * 1024 }, "file sizes per round: \(sizes)")
            try await store.close()
        }
    }

    /// A purge chunk is one short transaction: accepts committed while a large purge runs in
    /// chunks are all stored and none waits behind the whole purge.
    @Test func acceptsInterleaveWithAPurgeInChunks() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try await SQLiteDeliveryStore.open(
                path: directory.path("queue.sqlite"), logger: StoreFixtures.logger)
            try await Self.acceptAndDeliver(2_000, into: store)
            let before = store.writer.statistics.operations
            async let purging: Int = {
                var total = 0
                while true {
                    let deleted = try await store.purgeFinishedNotifications(
                        finishedBefore: Date().addingTimeInterval(1), limit: 100)
                    total += deleted
                    if deleted < 100 { return total }
                }
            }()
            let fresh = (0..<50).map { _ in StoreFixtures.submission(acceptedAt: Date()) }
            for submission in fresh { #expect(try await store.accept(submission) == .accepted) }
            #expect(try await purging == 2_000)
            #expect(store.writer.statistics.operations - before >= 20, "the purge ran as many short jobs")
            #expect(try await store.queueDepth() == 50, "new work is never purged")
            try await store.close()
        }
    }

    static func acceptAndDeliver(_ count: Int, into store: SQLiteDeliveryStore) async throws {
        let acceptedAt = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for _ in stride(from: worker, to: count, by: 16) {
                        _ = try await store.accept(StoreFixtures.submission(acceptedAt: acceptedAt))
                    }
                }
            }
            try await group.waitForAll()
        }
        while true {
            let leased = try await store.leaseDue(limit: 500, owner: "d", now: Date(), leaseDuration: .seconds(60))
            if leased.isEmpty { break }
            let updates = leased.map {
                DeliveryUpdate(deliveryID: $0.id, state: .delivered, lastOutcome: .init(kind: "delivered", at: Date()))
            }
            _ = try await store.record(updates, owner: "d")
        }
    }

    static func fileSize(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }
}
