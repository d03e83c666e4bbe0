import Foundation
import PushgateCore

/// A validated API request, ready to be stored.
package struct Submission: Sendable {
    package var notificationID: UUID
    package var appID: String
    package var notification: PushgateCore.Notification
    package var targets: [Target]
    package var acceptedAt: Date
    /// From the notification's expiration or TTL (or the app's default TTL).
    package var expiresAt: Date?
    package var idempotency: Idempotency?
    /// The response body the API returns for this submission, stored with the idempotency
    /// key so that a replay returns it byte for byte.
    package var responseBody: [UInt8]
    /// Hand-off after commit: the deliveries are stored already leased (`sending`, this owner
    /// and expiry) for the accepting gateway's own dispatcher, which gets them in memory and
    /// never reads them back. Nil stores them `queued`, due now, for any dispatcher to lease.
    package var lease: Lease?

    /// A lease written with the rows that take it.
    package struct Lease: Sendable, Hashable {
        package var owner: String
        package var until: Date

        package init(owner: String, until: Date) {
            self.owner = owner
            self.until = until
        }
    }

    /// One device, with the delivery id minted for it.
    package struct Target: Sendable, Hashable {
        package var deliveryID: UUID
        package var device: DeviceTarget

        package init(deliveryID: UUID, device: DeviceTarget) {
            self.deliveryID = deliveryID
            self.device = device
        }
    }

    /// The `Idempotency-Key` and a hash of the request it came with.
    package struct Idempotency: Sendable, Hashable {
        package var key: String
        /// SHA-256 of the canonical request body, hex.
        package var requestHash: String
        /// Start of the key's window: a record of this key stored before then has expired, and
        /// this submission replaces it instead of being answered from it.
        package var validSince: Date

        package init(key: String, requestHash: String, validSince: Date) {
            self.key = key
            self.requestHash = requestHash
            self.validSince = validSince
        }
    }

    package init(
        notificationID: UUID,
        appID: String,
        notification: PushgateCore.Notification,
        targets: [Target],
        acceptedAt: Date,
        expiresAt: Date?,
        idempotency: Idempotency?,
        responseBody: [UInt8],
        lease: Lease? = nil
    ) {
        self.notificationID = notificationID
        self.appID = appID
        self.notification = notification
        self.targets = targets
        self.acceptedAt = acceptedAt
        self.expiresAt = expiresAt
        self.idempotency = idempotency
        self.responseBody = responseBody
        self.lease = lease
    }

    /// The deliveries as their dispatcher gets them when they were stored leased.
    package var leasedDeliveries: [LeasedDelivery] {
        self.targets.map { target in
            LeasedDelivery(
                id: target.deliveryID, notificationID: self.notificationID, appID: self.appID,
                notification: self.notification, target: target.device, attempts: 0, ambiguousAttempts: 0,
                expiresAt: self.expiresAt, acceptedAt: self.acceptedAt)
        }
    }
}

/// What is stored under an idempotency key: the request's hash and the exact response.
package struct IdempotencyRecord: Sendable, Hashable {
    package var requestHash: String
    package var response: [UInt8]

    package init(requestHash: String, response: [UInt8]) {
        self.requestHash = requestHash
        self.response = response
    }

    /// The answer to a repeat of the key with a request of `requestHash`.
    package func answer(requestHash: String?) -> AcceptResult {
        requestHash == self.requestHash ? .replay(responseBody: self.response) : .keyReuseMismatch
    }
}

package enum AcceptResult: Sendable, Equatable {
    /// Stored now.
    case accepted
    /// The key was used before with the same request: the stored response.
    case replay(responseBody: [UInt8])
    /// The key was used before with a different request.
    case keyReuseMismatch
}

/// Where a delivery stands.
package enum DeliveryState: String, Sendable, Codable, CaseIterable, Hashable {
    /// Waiting for its first or next attempt.
    case queued
    /// Leased by a dispatcher, being sent.
    case sending
    case delivered
    /// Permanent failure or attempt budget spent.
    case failed
    case invalidToken = "invalid_token"
    /// Its TTL passed before it could be delivered.
    case expired
    case cancelled
    /// The attempt budget ran out and the last attempt was ambiguous: the vendor may have it.
    case ambiguous

    /// Final states never change again.
    package var isFinal: Bool {
        switch self {
        case .queued, .sending: false
        default: true
        }
    }
}

/// What the last attempt of a delivery said, for the status API.
package struct LastOutcome: Sendable, Hashable, Codable {
    /// `DeliveryOutcome.Kind` raw value.
    package var kind: String
    package var vendorStatus: Int?
    package var vendorReason: String?
    /// `FailureStage` raw value, when the failure happened before an answer.
    package var stage: String?
    package var at: Date

    package init(kind: String, vendorStatus: Int? = nil, vendorReason: String? = nil, stage: String? = nil, at: Date) {
        self.kind = kind
        self.vendorStatus = vendorStatus
        self.vendorReason = vendorReason
        self.stage = stage
        self.at = at
    }
}

package struct StoredDelivery: Sendable, Hashable {
    package var id: UUID
    package var target: DeviceTarget
    package var state: DeliveryState
    package var attempts: Int
    /// How many attempts ended ambiguous.
    package var ambiguousAttempts: Int
    package var nextAttemptAt: Date?
    package var lastOutcome: LastOutcome?
    package var updatedAt: Date

    package init(
        id: UUID, target: DeviceTarget, state: DeliveryState, attempts: Int, ambiguousAttempts: Int,
        nextAttemptAt: Date?, lastOutcome: LastOutcome?, updatedAt: Date
    ) {
        self.id = id
        self.target = target
        self.state = state
        self.attempts = attempts
        self.ambiguousAttempts = ambiguousAttempts
        self.nextAttemptAt = nextAttemptAt
        self.lastOutcome = lastOutcome
        self.updatedAt = updatedAt
    }
}

package struct StoredNotification: Sendable, Hashable {
    package var id: UUID
    package var appID: String
    package var notification: PushgateCore.Notification
    package var acceptedAt: Date
    package var expiresAt: Date?
    package var deliveries: [StoredDelivery]

    package init(
        id: UUID, appID: String, notification: PushgateCore.Notification, acceptedAt: Date, expiresAt: Date?,
        deliveries: [StoredDelivery]
    ) {
        self.id = id
        self.appID = appID
        self.notification = notification
        self.acceptedAt = acceptedAt
        self.expiresAt = expiresAt
        self.deliveries = deliveries
    }
}

/// A delivery handed to a dispatcher, with everything needed to send it.
package struct LeasedDelivery: Sendable, Hashable {
    package var id: UUID
    package var notificationID: UUID
    package var appID: String
    package var notification: PushgateCore.Notification
    package var target: DeviceTarget
    /// Attempts made before this one.
    package var attempts: Int
    package var ambiguousAttempts: Int
    package var expiresAt: Date?
    package var acceptedAt: Date

    package init(
        id: UUID, notificationID: UUID, appID: String, notification: PushgateCore.Notification, target: DeviceTarget,
        attempts: Int, ambiguousAttempts: Int, expiresAt: Date?, acceptedAt: Date
    ) {
        self.id = id
        self.notificationID = notificationID
        self.appID = appID
        self.notification = notification
        self.target = target
        self.attempts = attempts
        self.ambiguousAttempts = ambiguousAttempts
        self.expiresAt = expiresAt
        self.acceptedAt = acceptedAt
    }
}

/// The result of one attempt, to record.
package struct DeliveryUpdate: Sendable, Hashable {
    package var deliveryID: UUID
    /// `queued` (retry at `nextAttemptAt`) or a final state.
    package var state: DeliveryState
    /// Whether this update counts an attempt (false for a release without sending).
    package var countsAttempt: Bool
    package var wasAmbiguous: Bool
    package var nextAttemptAt: Date?
    package var lastOutcome: LastOutcome?
    /// A dead token to add to the invalid-token feed (same transaction).
    package var invalidToken: InvalidTokenReport?
    /// Webhook events to queue (same transaction), as JSON bodies.
    package var webhookEvents: [[UInt8]]

    package init(
        deliveryID: UUID, state: DeliveryState, countsAttempt: Bool = true, wasAmbiguous: Bool = false,
        nextAttemptAt: Date? = nil, lastOutcome: LastOutcome?, invalidToken: InvalidTokenReport? = nil,
        webhookEvents: [[UInt8]] = []
    ) {
        self.deliveryID = deliveryID
        self.state = state
        self.countsAttempt = countsAttempt
        self.wasAmbiguous = wasAmbiguous
        self.nextAttemptAt = nextAttemptAt
        self.lastOutcome = lastOutcome
        self.invalidToken = invalidToken
        self.webhookEvents = webhookEvents
    }
}

package struct InvalidTokenReport: Sendable, Hashable {
    package var appID: String
    package var vendor: Vendor
    package var token: String
    package var reason: String
    /// When the vendor last knew it invalid, if it said.
    package var since: Date?

    package init(appID: String, vendor: Vendor, token: String, reason: String, since: Date?) {
        self.appID = appID
        self.vendor = vendor
        self.token = token
        self.reason = reason
        self.since = since
    }
}

package struct InvalidTokenRecord: Sendable, Hashable {
    /// Monotonic cursor for `GET /v1/invalid-tokens?after=`.
    package var sequence: Int64
    package var report: InvalidTokenReport
    package var reportedAt: Date

    package init(sequence: Int64, report: InvalidTokenReport, reportedAt: Date) {
        self.sequence = sequence
        self.report = report
        self.reportedAt = reportedAt
    }
}

package struct WebhookEvent: Sendable, Hashable {
    package var id: Int64
    package var appID: String
    package var body: [UInt8]
    package var attempts: Int

    package init(id: Int64, appID: String, body: [UInt8], attempts: Int) {
        self.id = id
        self.appID = appID
        self.body = body
        self.attempts = attempts
    }
}
