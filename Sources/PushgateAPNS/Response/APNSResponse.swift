import Foundation

/// What APNs answered on one stream.
package struct APNSResponse: Hashable, Sendable {
    package var status: Int
    /// The echoed `apns-id` (APNs' own, uppercase, when none was sent).
    package var apnsID: String?
    package var reason: APNSReason?
    /// With 410: when APNs last knew the token invalid (ms since the epoch on the wire).
    package var timestamp: Date?
    /// This answer came after the adapter had already resent the request once on a fresh
    /// connection with a fresh provider token.
    package var afterFreshConnection = false

    package init(status: Int, apnsID: String? = nil, reason: APNSReason? = nil, timestamp: Date? = nil) {
        self.status = status
        self.apnsID = apnsID
        self.reason = reason
        self.timestamp = timestamp
    }

    /// Parses an error body `{"reason":"…","timestamp":…}` leniently: a body that is not JSON
    /// leaves the reason empty and the status decides.
    static func parseErrorBody(_ bytes: [UInt8]) -> (reason: APNSReason?, timestamp: Date?) {
        guard !bytes.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return (nil, nil) }
        let reason = (object["reason"] as? String).map(APNSReason.init(rawValue:))
        var timestamp: Date?
        if let milliseconds = object["timestamp"] as? NSNumber {
            timestamp = Date(timeIntervalSince1970: milliseconds.doubleValue / 1000)
        }
        return (reason, timestamp)
    }
}
