import Foundation
import NIOCore
import PushgateCore

/// Turns a delivery into an `APNSRequest`, or into a local rejection for anything APNs would
/// refuse: those never cost a round trip (and APNs throttles connections that send them).
struct APNSRequestBuilder: Sendable {
    var bundleID: String
    var allocator = ByteBufferAllocator()

    /// Why a delivery was rejected before sending, with Apple's reason name where one exists.
    struct Rejection: Error, Hashable, Sendable {
        var outcome: DeliveryOutcome
        var reason: String
    }

    /// Builds the request. `rawPayload`, when given, is sent instead of the built payload.
    func makeRequest(for delivery: Delivery, now: Date, rawPayload: ByteBuffer? = nil) throws(Rejection) -> APNSRequest
    {
        let notification = delivery.notification
        let token = try Self.normalizedToken(delivery.target.token)
        let pushType = notification.effectivePushType

        let priority: Int
        switch notification.priority {
        case .high?: priority = 10
        case .normal?: priority = 5
        case .low?: priority = 1
        case nil: priority = pushType == .background ? 5 : 10
        }
        if pushType == .background && priority == 10 {
            throw Rejection(outcome: .permanent(reason: .invalidPriority), reason: APNSReason.badPriority.rawValue)
        }

        // Rule 3: without a caller's collapse key, the delivery id collapses resends on the device.
        let apnsID = delivery.id.lowercasedString
        let collapseID = notification.collapseKey ?? apnsID
        if collapseID.utf8.count > 64 {
            throw Rejection(outcome: .permanent(reason: .invalidCollapseKey), reason: APNSReason.badCollapseID.rawValue)
        }

        var expiration: Int?
        if notification.timeToLive == 0 {
            expiration = 0  // APNs: one attempt now, no storage.
        } else if let expiresAt = delivery.expiresAt {
            if expiresAt <= now {
                throw Rejection(outcome: .permanent(reason: .expired), reason: "Expired")
            }
            expiration = Int(expiresAt.timeIntervalSince1970)
        }

        let payload: ByteBuffer
        if let rawPayload {
            payload = rawPayload
        } else {
            payload = try self.encodePayload(notification)
        }
        if payload.readableBytes > pushType.apnsPayloadLimit {
            throw Rejection(outcome: .permanent(reason: .payloadTooLarge), reason: "PayloadTooLarge")
        }
        if payload.readableBytes == 0 {
            throw Rejection(outcome: .permanent(reason: OutcomeReason("PayloadEmpty")), reason: "PayloadEmpty")
        }

        return APNSRequest(
            deviceToken: token,
            apnsID: apnsID,
            pushType: pushType,
            topic: pushType.apnsTopic(bundleID: self.bundleID),
            priority: priority,
            expiration: expiration,
            collapseID: collapseID,
            payload: payload
        )
    }

    func encodePayload(_ notification: Notification) throws(Rejection) -> ByteBuffer {
        if notification.data["aps"] != nil {
            throw Rejection(outcome: .permanent(reason: .invalidRequest), reason: "custom data may not use the key aps")
        }
        let object = APNSPayload(notification: notification).jsonObject(
            merging: notification.overrides[.apns]?.objectValue
        )
        do {
            return self.allocator.buffer(bytes: try JSONWriter.bytes(.object(object)))
        } catch {
            throw Rejection(outcome: .permanent(reason: .invalidRequest), reason: error.description)
        }
    }

    /// APNs device tokens are hex (64 characters today; Apple says not to assume a length).
    static func normalizedToken(_ token: String) throws(Rejection) -> String {
        let utf8 = token.utf8
        var hasUppercase = false
        let isHex = utf8.allSatisfy { byte in
            if byte >= 0x41 && byte <= 0x46 { hasUppercase = true }
            return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
        }
        guard isHex, utf8.count >= 32, utf8.count <= 200, utf8.count % 2 == 0 else {
            throw Rejection(outcome: .invalidToken(reason: .malformedToken, since: nil), reason: "MalformedToken")
        }
        return hasUppercase ? token.lowercased() : token
    }
}
