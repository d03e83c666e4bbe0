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
        let headers = try self.headerFields(for: delivery, now: now)
        let payload: ByteBuffer
        if let rawPayload {
            payload = rawPayload
        } else {
            payload = self.allocator.buffer(bytes: try self.encodePayload(delivery.notification))
        }
        try Self.checkPayloadSize(payload.readableBytes, pushType: headers.pushType)
        return APNSRequest(
            deviceToken: headers.token,
            apnsID: headers.apnsID,
            pushType: headers.pushType,
            topic: headers.pushType.apnsTopic(bundleID: self.bundleID),
            priority: headers.priority,
            expiration: headers.expiration,
            collapseID: headers.collapseID,
            payload: payload
        )
    }

    /// The checks of `makeRequest` without the request: what intake runs for every target it
    /// accepts, so it skips the topic, the request, and the payload itself when its size is
    /// surely within the limit.
    func validate(_ delivery: Delivery, now: Date) throws(Rejection) {
        let headers = try self.headerFields(for: delivery, now: now)
        let notification = delivery.notification
        // Most payloads are far below the limit: a bound on their size, counted without
        // writing them, settles those (the payload always holds `aps`, so it is never empty).
        if notification.data["aps"] == nil, let bound = APNSPayload.sizeBound(of: notification),
            bound <= headers.pushType.apnsPayloadLimit
        {
            return
        }
        try Self.checkPayloadSize(try self.encodePayload(notification).count, pushType: headers.pushType)
    }

    private struct HeaderFields {
        var token: String
        var apnsID: String
        var pushType: Notification.PushType
        var priority: Int
        var expiration: Int?
        var collapseID: String
    }

    private func headerFields(for delivery: Delivery, now: Date) throws(Rejection) -> HeaderFields {
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
        return HeaderFields(
            token: token, apnsID: apnsID, pushType: pushType, priority: priority, expiration: expiration,
            collapseID: collapseID)
    }

    private static func checkPayloadSize(_ size: Int, pushType: Notification.PushType) throws(Rejection) {
        if size > pushType.apnsPayloadLimit {
            throw Rejection(outcome: .permanent(reason: .payloadTooLarge), reason: "PayloadTooLarge")
        }
        if size == 0 {
            throw Rejection(outcome: .permanent(reason: OutcomeReason("PayloadEmpty")), reason: "PayloadEmpty")
        }
    }

    func encodePayload(_ notification: Notification) throws(Rejection) -> [UInt8] {
        if notification.data["aps"] != nil {
            throw Rejection(outcome: .permanent(reason: .invalidRequest), reason: "custom data may not use the key aps")
        }
        let object = APNSPayload(notification: notification).jsonObject(
            merging: notification.overrides[.apns]?.objectValue
        )
        do {
            return try JSONWriter.bytes(.object(object))
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
