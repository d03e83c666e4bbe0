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
        var members: [String: JSONValue] = [
            "data": .object(notification.data),
            "mutableContent": .bool(notification.mutableContent),
            "contentAvailable": .bool(notification.contentAvailable),
            // A dictionary whose key is not a String is an array of key, value, key, value.
            "overrides": .array(notification.overrides.flatMap { [JSONValue.string($0.key.rawValue), $0.value] }),
        ]
        // Absent fields are left out (what JSONEncoder does), without a removal for each.
        func set(_ key: String, _ value: JSONValue?) {
            if let value { members[key] = value }
        }
        set("title", notification.title.map(JSONValue.string))
        set("subtitle", notification.subtitle.map(JSONValue.string))
        set("body", notification.body.map(JSONValue.string))
        set("badge", notification.badge.map(JSONValue.integer))
        set(
            "sound",
            notification.sound.map { sound in
                var fields: [String: JSONValue] = ["name": .string(sound.name), "critical": .bool(sound.critical)]
                if let volume = sound.volume { fields["volume"] = .number(volume) }
                return .object(fields)
            })
        set("category", notification.category.map(JSONValue.string))
        set("threadID", notification.threadID.map(JSONValue.string))
        set("priority", notification.priority.map { .string($0.rawValue) })
        set("expiration", notification.expiration.map { .number($0.timeIntervalSinceReferenceDate) })
        set("timeToLive", notification.timeToLive.map(JSONValue.integer))
        set("collapseKey", notification.collapseKey.map(JSONValue.string))
        set("pushType", notification.pushType.map { .string($0.rawValue) })
        set("interruptionLevel", notification.interruptionLevel.map(JSONValue.string))
        set("relevanceScore", notification.relevanceScore.map(JSONValue.number))
        // Stored as TEXT: one copy from the written bytes to the bound string.
        return String(decoding: try JSONWriter.bytes(.object(members)), as: UTF8.self)
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
