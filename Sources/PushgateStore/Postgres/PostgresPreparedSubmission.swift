import Foundation
import NIOCore
import PushgateCore

/// A submission turned into column values on the caller's task (JSON encoding runs in
/// parallel there), so that the accept writers only run SQL.
struct PostgresPreparedSubmission: QueueableSubmission {
    /// An idempotency key's identity: keys are scoped per app.
    struct KeyID: Hashable, Sendable {
        var appID: String
        var key: String
    }

    struct Delivery: Sendable {
        var id: UUID
        var vendor: String
        var token: String
        var environment: String
    }

    var notificationID: UUID
    var appID: String
    var body: String
    var acceptedAt: Int64
    var expiresAt: Int64?
    var deliveries: [Delivery]
    var key: KeyID?
    var requestHash: String?
    /// A record of `key` stored before this (milliseconds) has expired and is replaced.
    var keyValidSince: Int64?
    var responseBody: [UInt8]
    /// Stored leased for the accepting gateway's dispatcher (`Submission.lease`).
    var leaseOwner: String?
    var leasedUntil: Int64?

    /// Roughly what it holds in memory while queued.
    var estimatedBytes: Int {
        self.body.utf8.count + self.responseBody.count + self.deliveries.count * 256 + 512
    }

    init(_ submission: Submission) throws {
        let body = try NotificationBodyCoding.storedBody(of: submission)
        self.notificationID = submission.notificationID
        self.appID = submission.appID
        self.body = body
        self.acceptedAt = submission.acceptedAt.storeMilliseconds
        self.expiresAt = submission.expiresAt?.storeMilliseconds
        self.deliveries = submission.targets.map { target in
            Delivery(
                id: target.deliveryID, vendor: target.device.vendor.rawValue, token: target.device.token,
                environment: target.device.environment.rawValue)
        }
        self.responseBody = submission.responseBody
        self.leaseOwner = submission.lease?.owner
        self.leasedUntil = submission.lease?.until.storeMilliseconds
        if let idempotency = submission.idempotency {
            self.key = KeyID(appID: submission.appID, key: idempotency.key)
            self.requestHash = idempotency.requestHash
            self.keyValidSince = idempotency.validSince.storeMilliseconds
        }
    }
}
