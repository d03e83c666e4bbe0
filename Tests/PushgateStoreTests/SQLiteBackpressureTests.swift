import Foundation
import NIOConcurrencyHelpers
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateStore

@Suite("SQLite backpressure and full disk", .timeLimit(.minutes(2)))
struct SQLiteBackpressureTests {
    @Test func acceptsBeyondTheQueueBoundAreRefusedAtOnceAndNeverWritten() async throws {
        try await TemporaryDirectory.with { directory in
            var configuration = SQLiteDeliveryStore.Configuration()
            configuration.maxQueuedSubmissions = 20
            let store = try await SQLiteDeliveryStore.open(
                path: directory.path("queue.sqlite"), configuration: configuration, logger: StoreFixtures.logger)
            let release = await store.blockWriter()
            let submissions = (0..<100).map { _ in StoreFixtures.submission() }
            let refusals = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for submission in submissions {
                    group.addTask {
                        do {
                            _ = try await store.accept(submission)
                        } catch let error as StoreError where error.code == .overloaded {
                            refusals.add()
                            // Refused while the writer is still held: at once, not after a timeout.
                        }
                    }
                }
                // The refusals arrive while the writer is blocked; then it may go on.
                while refusals.value < 80 { try await Task.sleep(for: .milliseconds(10)) }
                release()
                try await group.waitForAll()
            }
            #expect(refusals.value == 80)
            #expect(try await store.queueDepth() == 20)
            try await store.close()
        }
    }

    @Test func anAcceptThatWaitsPastItsDeadlineIsRefusedAndNeverWritten() async throws {
        try await TemporaryDirectory.with { directory in
            var configuration = SQLiteDeliveryStore.Configuration()
            configuration.queueTimeout = .milliseconds(200)
            let store = try await SQLiteDeliveryStore.open(
                path: directory.path("queue.sqlite"), configuration: configuration, logger: StoreFixtures.logger)
            let release = await store.blockWriter()
            let submission = StoreFixtures.submission()
            await #expect {
                try await store.accept(submission)
            } throws: { ($0 as? StoreError)?.code == .overloaded }
            release()
            #expect(try await store.accept(StoreFixtures.submission()) == .accepted, "the writer goes on")
            #expect(try await store.notification(id: submission.notificationID, appID: "app-1") == nil)
            #expect(try await store.queueDepth() == 1)
            try await store.close()
        }
    }

    /// A real full disk (a 6 MiB tmpfs): accepts fail with `diskFull` and nothing half-written;
    /// once space is back they succeed, and every accepted submission is in a sound file.
    @Test(.enabled(if: SmallDisk.isAvailable, "mounting a tmpfs needs root"))
    func aFullDiskRefusesAcceptsThenRecovers() async throws {
        let disk = try await SmallDisk.mount(megabytes: 6)
        defer { Task { await disk.unmount() } }
        try disk.fill("filler", megabytes: 2)
        let path = disk.path("queue.sqlite")
        let store = try await SQLiteDeliveryStore.open(path: path, logger: StoreFixtures.logger)
        var accepted: [UUID] = []
        var fullErrors = 0
        // About 40 KiB per submission: the disk fills within a few hundred.
        let large = PushgateCore.Notification(title: "Full", body: String(repeating: "x", count: 40_000))
        for _ in 0..<400 {
            let submission = StoreFixtures.submission(notification: large, targetCount: 1)
            do {
                #expect(try await store.accept(submission) == .accepted)
                accepted.append(submission.notificationID)
            } catch let error as StoreError {
                #expect(error.code == .diskFull, "\(error)")
                fullErrors += 1
                if fullErrors == 3 { break }
            }
        }
        #expect(fullErrors == 3, "the disk filled up")
        #expect(accepted.count > 10)

        try FileManager.default.removeItem(atPath: disk.path("filler"))
        let afterRecovery = StoreFixtures.submission()
        #expect(try await store.accept(afterRecovery) == .accepted)
        accepted.append(afterRecovery.notificationID)
        try await store.close()

        let reopened = try await SQLiteDeliveryStore.open(path: path, logger: StoreFixtures.logger)
        #expect(try await reopened.integrityCheck() == ["ok"])
        for id in accepted {
            #expect(try await reopened.notification(id: id, appID: "app-1") != nil)
        }
        #expect(try await reopened.queueDepth() == accepted.count, "nothing refused was written")
        try await reopened.close()
    }
}

private final class Counter: Sendable {
    private let box = NIOLockedValueBox(0)
    func add() { self.box.withLockedValue { $0 += 1 } }
    var value: Int { self.box.withLockedValue { $0 } }
}
