import Foundation
import PushgateCore

/// The stored form of a notification body: the JSON of `PushgateCore.Notification`.
///
/// The strategies are spelled out rather than left to Foundation's defaults because stored
/// rows outlive the code that wrote them. Dates inside the body are seconds since 2001-01-01
/// (`deferredToDate`), the one form that round-trips a `Date` exactly.
enum NotificationBodyCoding {
    /// The JSON `JSONEncoder` makes of the notification (`Codable`, `deferredToDate`), written
    /// directly: encoding every accepted notification through `JSONEncoder`'s containers cost 4%
    /// of the gateway's CPU. What `makeDecoder()` reads back is the same notification (a test
    /// compares both encoders).
    static func encode(_ notification: PushgateCore.Notification) throws -> String {
        // Written member by member, not built as a dictionary first (3 % of batch ingest).
        // Absent fields are left out, as JSONEncoder does.
        var json = JSONOutput(capacity: 256)
        json.beginObject()
        func member(_ key: String, _ value: String?) {
            if let value { json.member(key, value) }
        }
        func member(_ key: String, _ value: Int?) {
            if let value { json.member(key, value) }
        }
        func member(_ key: String, _ value: Double?) throws {
            guard let value else { return }
            json.key(key)
            try json.exactValue(.number(value))
        }
        member("title", notification.title)
        member("subtitle", notification.subtitle)
        member("body", notification.body)
        member("badge", notification.badge)
        if let sound = notification.sound {
            json.key("sound")
            json.beginObject()
            json.member("name", sound.name)
            json.member("critical", sound.critical)
            try member("volume", sound.volume)
            json.endObject()
        }
        json.key("data")
        try json.exactValue(.object(notification.data))
        member("category", notification.category)
        member("threadID", notification.threadID)
        member("priority", notification.priority?.rawValue)
        try member("expiration", notification.expiration?.timeIntervalSinceReferenceDate)
        member("timeToLive", notification.timeToLive)
        member("collapseKey", notification.collapseKey)
        member("pushType", notification.pushType?.rawValue)
        json.member("mutableContent", notification.mutableContent)
        json.member("contentAvailable", notification.contentAvailable)
        member("interruptionLevel", notification.interruptionLevel)
        try member("relevanceScore", notification.relevanceScore)
        // A dictionary whose key is not a String is an array of key, value, key, value.
        json.key("overrides")
        json.beginArray()
        for (vendor, override) in notification.overrides {
            json.string(vendor.rawValue)
            try json.exactValue(override)
        }
        json.endArray()
        json.endObject()
        // Stored as TEXT: one copy from the written bytes to the bound string.
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// A submission's body as both stores keep it; one that cannot be written (a non-finite
    /// number) is refused as an invalid argument naming the notification.
    static func storedBody(of submission: Submission) throws -> String {
        do {
            return try Self.encode(submission.notification)
        } catch {
            throw StoreError.invalidArgument(
                "accept: notification \(submission.notificationID) does not encode: \(error)")
        }
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
        return decoder
    }

    /// Decodes a stored body; a body that does not parse is `StoreError.corruptData`.
    static func decode(_ text: String, notificationID: UUID, with decoder: JSONDecoder) throws
        -> PushgateCore.Notification
    {
        do {
            return try decoder.decode(PushgateCore.Notification.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt("notification \(notificationID): stored body does not decode: \(error)")
        }
    }
}
