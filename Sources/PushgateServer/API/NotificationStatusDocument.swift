import Foundation
import PushgateCore
import PushgateStore

/// The body of `GET`/`DELETE /v1/notifications/{id}`: the notification and where each of its
/// deliveries stands.
///
/// ```json
/// {"id": "…", "accepted_at": "…", "expires_at": "…",
///  "counts": {"queued": 1, "delivered": 2},
///  "deliveries": [{"id": "…", "vendor": "apns", "environment": "production", "token": "…",
///                  "state": "queued", "attempts": 0, "ambiguous_attempts": 0,
///                  "next_attempt_at": "…", "updated_at": "…",
///                  "last_outcome": {"kind", "vendor_status", "vendor_reason", "stage", "at"} | null}]}
/// ```
///
/// Tokens appear in full: the document goes only to the app that sent them, which needs them
/// to match a delivery to a device.
enum NotificationStatusDocument {
    static func body(_ stored: StoredNotification) -> [UInt8] {
        var json = JSONOutput(capacity: 256 + stored.deliveries.count * 320)
        json.beginObject()
        json.member("id", stored.id.lowercasedString)
        json.member("accepted_at", stored.acceptedAt)
        json.member("expires_at", stored.expiresAt)

        // Counts in the state machine's order, states with no delivery left out.
        var counts: [DeliveryState: Int] = [:]
        for delivery in stored.deliveries { counts[delivery.state, default: 0] += 1 }
        json.key("counts")
        json.beginObject()
        for state in DeliveryState.allCases {
            if let count = counts[state] { json.member(state.rawValue, count) }
        }
        json.endObject()

        json.key("deliveries")
        json.beginArray()
        for delivery in stored.deliveries {
            json.beginObject()
            json.member("id", delivery.id.lowercasedString)
            json.member("vendor", delivery.target.vendor.rawValue)
            json.member("environment", delivery.target.environment.rawValue)
            json.member("token", delivery.target.token)
            json.member("state", delivery.state.rawValue)
            json.member("attempts", delivery.attempts)
            json.member("ambiguous_attempts", delivery.ambiguousAttempts)
            json.member("next_attempt_at", delivery.nextAttemptAt)
            json.member("updated_at", delivery.updatedAt)
            json.key("last_outcome")
            if let outcome = delivery.lastOutcome {
                json.beginObject()
                json.member("kind", outcome.kind)
                json.member("vendor_status", outcome.vendorStatus)
                json.member("vendor_reason", outcome.vendorReason)
                json.member("stage", outcome.stage)
                json.member("at", outcome.at)
                json.endObject()
            } else {
                json.null()
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }
}
