import Foundation
import Logging
import PushgateCore

/// Measures the embedded store on this machine, for `pushgate bench store`.
package enum SQLiteStoreBenchmark {
    /// Owners and batch size of the lease phase: two dispatch loops leasing 200 at a time,
    /// the shape STORE-NOTES measured (more than 2 adds nothing on 2 cores).
    static let leaseLoops = 2
    static let leaseBatch = 200

    /// Accepts `submissions` notifications of `targetsPerSubmission` APNs devices each from
    /// `concurrency` concurrent callers (each with an idempotency key, as the API stores them),
    /// then leases every delivery and records it delivered from two loops of 200.
    ///
    /// - Parameter path: a database file to create; it should not exist yet (an existing
    ///   queue's deliveries would be leased and counted too). It is left in place.
    /// - Returns: submissions accepted per second (each one durable), and deliveries leased and
    ///   recorded per second.
    package static func run(
        path: String,
        submissions: Int,
        targetsPerSubmission: Int,
        concurrency: Int,
        configuration: SQLiteDeliveryStore.Configuration = .init(),
        logger: Logger = Logger(label: "pushgate.store.benchmark", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> (acceptedPerSecond: Double, leasedAndRecordedPerSecond: Double) {
        guard submissions > 0, targetsPerSubmission > 0, concurrency > 0 else {
            throw StoreError.invalidArgument("benchmark: submissions, targets and concurrency must be positive")
        }
        let store = try await SQLiteDeliveryStore.open(path: path, configuration: configuration, logger: logger)
        do {
            let accepted = try await self.accept(
                into: store,
                submissions: submissions,
                targets: targetsPerSubmission,
                concurrency: concurrency
            )
            let leased = try await self.leaseAndRecord(from: store)
            try await store.close()
            return (accepted, leased)
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Accepts `submissions` notifications of `targets` devices from `concurrency` callers;
    /// returns submissions per second.
    package static func accept(
        into store: SQLiteDeliveryStore,
        submissions: Int,
        targets: Int,
        concurrency: Int
    ) async throws -> Double {
        let acceptedAt = store.clock.now()
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var index = worker
                    while index < submissions {
                        let submission = Self.submission(index, targets: targets, acceptedAt: acceptedAt)
                        guard try await store.accept(submission) == .accepted else {
                            throw StoreError.invalidArgument("benchmark: submission \(index) was not accepted")
                        }
                        index += concurrency
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(submissions) / self.seconds(clock.now - start)
    }

    /// Leases every due delivery and records it delivered, from two loops; returns deliveries
    /// per second.
    package static func leaseAndRecord(from store: SQLiteDeliveryStore) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for loop in 0..<self.leaseLoops {
                group.addTask {
                    let owner = "bench-dispatcher-\(loop)"
                    var count = 0
                    while true {
                        let now = store.clock.now()
                        let leased = try await store.leaseDue(
                            limit: self.leaseBatch,
                            owner: owner,
                            now: now,
                            leaseDuration: .seconds(60)
                        )
                        if leased.isEmpty { return count }
                        let updates = leased.map { delivery in
                            DeliveryUpdate(
                                deliveryID: delivery.id,
                                state: .delivered,
                                lastOutcome: LastOutcome(
                                    kind: DeliveryOutcome.Kind.delivered.rawValue, vendorStatus: 200, at: now)
                            )
                        }
                        count += try await store.record(updates, owner: owner)
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(total) / self.seconds(clock.now - start)
    }

    static let notification = PushgateCore.Notification(
        title: "Benchmark",
        body: "A notification of typical size, with a little custom data.",
        sound: .default,
        data: ["order": "A-1234", "count": 3],
        priority: .high
    )

    /// The `index`-th benchmark submission: `targets` APNs devices, an idempotency key (as the
    /// API stores them) named by `keyPrefix`.
    package static func submission(
        _ index: Int, targets: Int, acceptedAt: Date, keyPrefix: String = "bench"
    ) -> Submission {
        let notificationID = UUID()
        return Submission(
            notificationID: notificationID,
            appID: "bench",
            notification: Self.notification,
            targets: (0..<targets).map { target in
                Submission.Target(
                    deliveryID: UUID(), device: DeviceTarget(vendor: .apns, token: Self.token(index * targets + target))
                )
            },
            acceptedAt: acceptedAt,
            expiresAt: acceptedAt.addingTimeInterval(3600),
            idempotency: .init(
                key: "\(keyPrefix)-\(index)", requestHash: "hash-\(index)",
                validSince: acceptedAt.addingTimeInterval(-86_400)),
            responseBody: Array(#"{"id":"\#(notificationID.lowercasedString)"}"#.utf8)
        )
    }

    private static func token(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        return String(repeating: "0", count: max(0, 64 - hex.count)) + hex
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return max(Double(seconds) + Double(attoseconds) / 1e18, 1e-9)
    }
}
