import Foundation
import Logging
import PushgateCore
import PushgateStore

/// Builders for submissions and the fixed clock the store tests use.
enum StoreFixtures {
    /// A whole-millisecond instant well after the real clock, so that rows the store stamps
    /// with the real time (webhook events, retries without a time) are due at `t0`.
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static let logger: Logger = {
        var logger = Logger(label: "test.store")
        logger.logLevel = .error
        return logger
    }()

    /// A notification that exercises every JSON shape the store has to round-trip.
    static let notification = PushgateCore.Notification(
        title: "Hello",
        subtitle: "From the store tests",
        body: "World",
        badge: 3,
        sound: .default,
        data: ["order": "A-42", "count": 7, "ok": true, "nested": .object(["list": .array([1, "two", .null])])],
        category: "MESSAGE",
        threadID: "thread-1",
        priority: .high,
        expiration: t0.addingTimeInterval(3600),
        collapseKey: "collapse-1",
        pushType: .alert,
        mutableContent: true,
        interruptionLevel: "time-sensitive",
        relevanceScore: 0.5,
        overrides: [.apns: .object(["aps": .object(["category": "OVERRIDE"])])]
    )

    static func token(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        return String(repeating: "a", count: max(0, 64 - hex.count)) + hex
    }

    static func targets(_ count: Int, vendor: Vendor = .apns) -> [Submission.Target] {
        (0..<count).map {
            Submission.Target(deliveryID: UUID(), device: DeviceTarget(vendor: vendor, token: token($0)))
        }
    }

    static func submission(
        notificationID: UUID = UUID(),
        app: String = "app-1",
        notification: PushgateCore.Notification = StoreFixtures.notification,
        targets: [Submission.Target]? = nil,
        targetCount: Int = 1,
        acceptedAt: Date = t0,
        key: String? = nil,
        hash: String = "hash-1"
    ) -> Submission {
        Submission(
            notificationID: notificationID,
            appID: app,
            notification: notification,
            targets: targets ?? Self.targets(targetCount),
            acceptedAt: acceptedAt,
            expiresAt: acceptedAt.addingTimeInterval(3600),
            idempotency: key.map {
                Submission.Idempotency(key: $0, requestHash: hash, validSince: acceptedAt.addingTimeInterval(-86_400))
            },
            responseBody: response(for: notificationID)
        )
    }

    /// A response body unique to the notification, so that a replay shows whose it is.
    static func response(for notificationID: UUID) -> [UInt8] {
        Array(#"{"id":"\#(notificationID.uuidString)","status":"accepted"}"#.utf8)
    }
}
