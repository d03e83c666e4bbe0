import Foundation
import PushgateCore
import SQLiteNIO

/// A submission turned into bind values on the caller's task, so that the writer loop spends
/// its time on SQL only: JSON encoding and id conversion run in parallel on the callers' tasks.
struct PreparedSubmission: QueueableSubmission {
    /// An idempotency key's identity: keys are scoped per app.
    struct KeyID: Hashable, Sendable {
        var appID: String
        var key: String
    }

    static let notificationColumns = "(id, app_id, body, accepted_at, expires_at)"
    static let notificationPlaceholders = "(?, ?, ?, ?, ?)"
    static let deliveryColumns =
        "(id, notification_id, app_id, vendor, token, environment, state, next_attempt_at, updated_at, "
        + "lease_owner, leased_until)"
    static let deliveryPlaceholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    static let idempotencyColumns = "(app_id, key, request_hash, response, notification_id, created_at)"
    static let idempotencyPlaceholders = "(?, ?, ?, ?, ?, ?)"

    var notificationID: UUID
    var key: KeyID?
    var requestHash: String?
    /// A record of `key` stored before this is expired (`Submission.Idempotency.validSince`).
    var keyValidSince: Date?
    var responseBody: [UInt8]
    /// Stored leased for the accepting gateway's dispatcher (`Submission.lease`).
    var leaseOwner: String?
    var deliveryCount: Int
    /// One row for `notificationColumns`.
    var notificationBinds: [SQLiteData]
    /// `deliveryCount` rows for `deliveryColumns`, one after the other.
    var deliveryBinds: [SQLiteData]
    /// One row for `idempotencyColumns`, or empty without a key.
    var idempotencyBinds: [SQLiteData]

    /// Roughly what it holds in memory while queued: its notification JSON and response, and
    /// a fixed share per delivery row.
    var estimatedBytes: Int {
        let body = self.notificationBinds.reduce(0) { total, bind in
            if case .text(let text) = bind { return total + text.utf8.count }
            return total
        }
        return body + self.responseBody.count + self.deliveryCount * 256 + 512
    }

    init(_ submission: Submission) throws {
        let body = try NotificationBodyCoding.storedBody(of: submission)
        let notificationID = SQLiteData.uuid(submission.notificationID)
        let appID = SQLiteData.text(submission.appID)
        let acceptedAt = SQLiteData.date(submission.acceptedAt)

        self.notificationID = submission.notificationID
        self.responseBody = submission.responseBody
        self.deliveryCount = submission.targets.count
        self.notificationBinds = [
            notificationID, appID, .text(body), acceptedAt,
            .nullableDate(submission.expiresAt),
        ]

        // Handed off after commit: leased already, by the gateway that accepted it.
        let state: SQLiteData = .text(submission.lease == nil ? "queued" : "sending")
        let leaseOwner: SQLiteData = submission.lease.map { .text($0.owner) } ?? .null
        let leasedUntil: SQLiteData = .nullableDate(submission.lease?.until)
        self.leaseOwner = submission.lease?.owner
        var deliveries: [SQLiteData] = []
        deliveries.reserveCapacity(submission.targets.count * 11)
        for target in submission.targets {
            deliveries.append(.uuid(target.deliveryID))
            deliveries.append(notificationID)
            deliveries.append(appID)
            deliveries.append(.text(target.device.vendor.rawValue))
            deliveries.append(.text(target.device.token))
            deliveries.append(.text(target.device.environment.rawValue))
            deliveries.append(state)
            // Due at once: a new delivery's first attempt is at acceptance.
            deliveries.append(acceptedAt)
            deliveries.append(acceptedAt)
            deliveries.append(leaseOwner)
            deliveries.append(leasedUntil)
        }
        self.deliveryBinds = deliveries

        if let idempotency = submission.idempotency {
            self.key = KeyID(appID: submission.appID, key: idempotency.key)
            self.requestHash = idempotency.requestHash
            self.keyValidSince = idempotency.validSince
            self.idempotencyBinds = [
                appID, .text(idempotency.key), .text(idempotency.requestHash), .bytes(submission.responseBody),
                notificationID, acceptedAt,
            ]
        } else {
            self.key = nil
            self.requestHash = nil
            self.keyValidSince = nil
            self.idempotencyBinds = []
        }
    }
}
