import Foundation
import PushgateCore
import PushgateStore

/// The body of `202 Accepted` for `POST /v1/notifications`:
/// `{"id", "status_url", "deliveries": [{"id", "vendor", "environment"}, …]}`, deliveries in
/// the order of the request's targets.
///
/// Built before the store is called: the exact bytes are stored with the idempotency key, so
/// a replay returns them unchanged.
enum AcceptedDocument {
    private static let statusPathPrefix = "/v1/notifications/"

    static func statusURL(notificationID: UUID) -> String {
        Self.statusPathPrefix + notificationID.lowercasedString
    }

    static func body(notificationID: UUID, targets: [Submission.Target]) -> [UInt8] {
        var json = JSONOutput(capacity: 96 + targets.count * 96)
        json.beginObject()
        json.member("id", notificationID)
        json.member("status_url", notificationID, prefix: Self.statusPathPrefix)
        json.key("deliveries")
        json.beginArray()
        for target in targets {
            json.beginObject()
            json.member("id", target.deliveryID)
            json.member("vendor", target.device.vendor.rawValue)
            json.member("environment", target.device.environment.rawValue)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// The status URL inside a stored body, for a replay's `Location` header; nil if the body
    /// is not one of ours (then the replay goes out without `Location`).
    static func statusURL(inStoredBody body: [UInt8]) -> String? {
        guard case .object(let members)? = try? JSONParser.parse(body) else { return nil }
        return members["status_url"]?.stringValue
    }
}
