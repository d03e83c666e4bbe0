import Foundation
import PushgateCore

/// A validated API request, ready to be stored.
public struct Submission: Sendable {
    public var notificationID: UUID
    public var appID: String
    public var notification: PushgateCore.Notification
    public var targets: [Target]
    public var acceptedAt: Date
    /// From the notification's expiration or TTL (or the app's default TTL).
    public var expiresAt: Date?
    public var idempotency: Idempotency?
    /// The response body the API returns for this submission, stored with the idempotency
    /// key so that a replay returns it byte for byte.
    public var responseBody: [UInt8]

    /// One device, with the delivery id minted for it.
    public struct Target: Sendable, Hashable {
        public var deliveryID: UUID
        public var device: DeviceTarget

        public init(deliveryID: UUID, device: DeviceTarget) {
            self.deliveryID = deliveryID
            self.device = device
        }
    }

    /// The `Idempotency-Key` and a hash of the request it came with.
    public struct Idempotency: Sendable, Hashable {
        public var key: String
        /// SHA-256 of the canonical request body, hex.
        public var requestHash: String

        public init(key: String, requestHash: String) {
            self.key = key
            self.requestHash = requestHash
        }
    }

    public init(
        notificationID: UUID,
        appID: String,
        notification: PushgateCore.Notification,
        targets: [Target],
        acceptedAt: Date,
        expiresAt: Date?,
        idempotency: Idempotency?,
        responseBody: [UInt8]
    ) {
        self.notificationID = notificationID
        self.appID = appID
        self.notification = notification
        self.targets = targets
        self.acceptedAt = acceptedAt
        self.expiresAt = expiresAt
        self.idempotency = idempotency
        self.responseBody = responseBody
    }
}

public enum AcceptResult: Sendable, Equatable {
    /// Stored now.
    case accepted
    /// The key was used before with the same request: the stored response.
    case replay(responseBody: [UInt8])
    /// The key was used before with a different request.
    case keyReuseMismatch
}

/// Where a delivery stands.
public enum DeliveryState: String, Sendable, Codable, CaseIterable, Hashable {
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
    public var isFinal: Bool {
        switch self {
        case .queued, .sending: false
        default: true
        }
    }
}

/// What the last attempt of a delivery said, for the status API.
public struct LastOutcome: Sendable, Hashable, Codable {
    /// `DeliveryOutcome.Kind` raw value.
    public var kind: String
    public var vendorStatus: Int?
    public var vendorReason: String?
    /// `FailureStage` raw value, when the failure happened before an answer.
    public var stage: String?
    public var at: Date

    public init(kind: String, vendorStatus: Int? = nil, vendorReason: String? = nil, stage: String? = nil, at: Date) {
        self.kind = kind
        self.vendorStatus = vendorStatus
        self.vendorReason = vendorReason
        self.stage = stage
        self.at = at
    }
}

public struct StoredDelivery: Sendable, Hashable {
    public var id: UUID
    public var target: DeviceTarget
    public var state: DeliveryState
    public var attempts: Int
    /// How many attempts ended ambiguous.
    public var ambiguousAttempts: Int
    public var nextAttemptAt: Date?
    public var lastOutcome: LastOutcome?
    public var updatedAt: Date

    public init(
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

public struct StoredNotification: Sendable, Hashable {
    public var id: UUID
    public var appID: String
    public var notification: PushgateCore.Notification
    public var acceptedAt: Date
    public var expiresAt: Date?
    public var deliveries: [StoredDelivery]

    public init(
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
public struct LeasedDelivery: Sendable, Hashable {
    public var id: UUID
    public var notificationID: UUID
    public var appID: String
    public var notification: PushgateCore.Notification
    public var target: DeviceTarget
    /// Attempts made before this one.
    public var attempts: Int
    public var ambiguousAttempts: Int
    public var expiresAt: Date?
    public var acceptedAt: Date

    public init(
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
public struct DeliveryUpdate: Sendable, Hashable {
    public var deliveryID: UUID
    /// `queued` (retry at `nextAttemptAt`) or a final state.
    public var state: DeliveryState
    /// Whether this update counts an attempt (false for a release without sending).
    public var countsAttempt: Bool
    public var wasAmbiguous: Bool
    public var nextAttemptAt: Date?
    public var lastOutcome: LastOutcome?
    /// A dead token to add to the invalid-token feed (same transaction).
    public var invalidToken: InvalidTokenReport?
    /// Webhook events to queue (same transaction), as JSON bodies.
    public var webhookEvents: [[UInt8]]

    public init(
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

public struct InvalidTokenReport: Sendable, Hashable {
    public var appID: String
    public var vendor: Vendor
    public var token: String
    public var reason: String
    /// When the vendor last knew it invalid, if it said.
    public var since: Date?

    public init(appID: String, vendor: Vendor, token: String, reason: String, since: Date?) {
        self.appID = appID
        self.vendor = vendor
        self.token = token
        self.reason = reason
        self.since = since
    }
}

public struct InvalidTokenRecord: Sendable, Hashable {
    /// Monotonic cursor for `GET /v1/invalid-tokens?after=`.
    public var sequence: Int64
    public var report: InvalidTokenReport
    public var reportedAt: Date

    public init(sequence: Int64, report: InvalidTokenReport, reportedAt: Date) {
        self.sequence = sequence
        self.report = report
        self.reportedAt = reportedAt
    }
}

public struct WebhookEvent: Sendable, Hashable {
    public var id: Int64
    public var appID: String
    public var body: [UInt8]
    public var attempts: Int

    public init(id: Int64, appID: String, body: [UInt8], attempts: Int) {
        self.id = id
        self.appID = appID
        self.body = body
        self.attempts = attempts
    }
}
