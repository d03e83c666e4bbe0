import Foundation
import PushgateCore

/// The JSON body of an APNs request: the `aps` dictionary plus custom keys
/// (VENDORS.md A3). Build it from a portable `Notification`, or set fields directly.
package struct APNSPayload: Hashable, Sendable {
    package var alert: Alert?
    package var badge: Int?
    package var sound: Notification.Sound?
    package var threadID: String?
    package var category: String?
    package var contentAvailable: Bool = false
    package var mutableContent: Bool = false
    package var targetContentID: String?
    /// passive, active, time-sensitive or critical.
    package var interruptionLevel: String?
    package var relevanceScore: Double?
    package var filterCriteria: String?
    package var liveActivity: LiveActivity?
    /// Keys next to `aps` (APNs ignores custom keys inside `aps`).
    package var custom: [String: JSONValue] = [:]

    package init() {}

    /// The visible part of an alert.
    package struct Alert: Hashable, Sendable {
        package var title: String?
        package var subtitle: String?
        package var body: String?
        package var launchImage: String?
        package var titleLocKey: String?
        package var titleLocArgs: [String]?
        package var subtitleLocKey: String?
        package var subtitleLocArgs: [String]?
        package var locKey: String?
        package var locArgs: [String]?

        package init(title: String? = nil, subtitle: String? = nil, body: String? = nil) {
            self.title = title
            self.subtitle = subtitle
            self.body = body
        }
    }

    /// Live Activity fields of `aps` (push type `liveactivity`).
    package struct LiveActivity: Hashable, Sendable {
        package enum Event: String, Hashable, Sendable { case start, update, end }
        package var event: Event
        /// Always sent; APNs drops updates older than the activity's last one.
        package var timestamp: Date
        package var contentState: JSONValue?
        package var staleDate: Date?
        package var dismissalDate: Date?
        /// Required for `start`.
        package var attributesType: String?
        package var attributes: JSONValue?
        package var inputPushToken: Bool = false

        package init(event: Event, timestamp: Date, contentState: JSONValue? = nil) {
            self.event = event
            self.timestamp = timestamp
            self.contentState = contentState
        }
    }

    /// Maps the portable fields; `overrides[.apns]` is applied later by `jsonObject()`'s caller.
    package init(notification: Notification) {
        if notification.title != nil || notification.subtitle != nil || notification.body != nil {
            self.alert = Alert(title: notification.title, subtitle: notification.subtitle, body: notification.body)
        }
        self.badge = notification.badge
        self.sound = notification.sound
        self.threadID = notification.threadID
        self.category = notification.category
        self.contentAvailable = notification.contentAvailable || notification.pushType == .background
        self.mutableContent = notification.mutableContent
        self.interruptionLevel = notification.interruptionLevel
        self.relevanceScore = notification.relevanceScore
        self.custom = notification.data
    }

    /// The payload as a JSON object, with `override` merged over it: its top-level keys
    /// replace ours, except `aps`, which is merged key by key.
    package func jsonObject(merging override: [String: JSONValue]? = nil) -> [String: JSONValue] {
        var aps: [String: JSONValue] = [:]
        if let alert { aps["alert"] = .object(alert.jsonObject()) }
        if let badge { aps["badge"] = .integer(badge) }
        if let sound {
            if sound.critical {
                var critical: [String: JSONValue] = ["critical": 1, "name": .string(sound.name)]
                if let volume = sound.volume { critical["volume"] = .number(volume) }
                aps["sound"] = .object(critical)
            } else {
                aps["sound"] = .string(sound.name)
            }
        }
        if let threadID { aps["thread-id"] = .string(threadID) }
        if let category { aps["category"] = .string(category) }
        if self.contentAvailable { aps["content-available"] = 1 }
        if self.mutableContent { aps["mutable-content"] = 1 }
        if let targetContentID { aps["target-content-id"] = .string(targetContentID) }
        if let interruptionLevel { aps["interruption-level"] = .string(interruptionLevel) }
        if let relevanceScore { aps["relevance-score"] = .number(relevanceScore) }
        if let filterCriteria { aps["filter-criteria"] = .string(filterCriteria) }
        if let liveActivity { aps.merge(liveActivity.jsonObject()) { _, new in new } }

        var object = self.custom
        if let override {
            for (key, value) in override where key != "aps" { object[key] = value }
            if let apsOverride = override["aps"]?.objectValue {
                aps.merge(apsOverride) { _, new in new }
            }
        }
        object["aps"] = .object(aps)
        return object
    }
}

extension APNSPayload.Alert {
    func jsonObject() -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        if let title { object["title"] = .string(title) }
        if let subtitle { object["subtitle"] = .string(subtitle) }
        if let body { object["body"] = .string(body) }
        if let launchImage { object["launch-image"] = .string(launchImage) }
        if let titleLocKey { object["title-loc-key"] = .string(titleLocKey) }
        if let titleLocArgs { object["title-loc-args"] = .array(titleLocArgs.map { .string($0) }) }
        if let subtitleLocKey { object["subtitle-loc-key"] = .string(subtitleLocKey) }
        if let subtitleLocArgs { object["subtitle-loc-args"] = .array(subtitleLocArgs.map { .string($0) }) }
        if let locKey { object["loc-key"] = .string(locKey) }
        if let locArgs { object["loc-args"] = .array(locArgs.map { .string($0) }) }
        return object
    }
}

extension APNSPayload.LiveActivity {
    func jsonObject() -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "event": .string(self.event.rawValue),
            "timestamp": .integer(Int(self.timestamp.timeIntervalSince1970)),
        ]
        if let contentState { object["content-state"] = contentState }
        if let staleDate { object["stale-date"] = .integer(Int(staleDate.timeIntervalSince1970)) }
        if let dismissalDate { object["dismissal-date"] = .integer(Int(dismissalDate.timeIntervalSince1970)) }
        if let attributesType { object["attributes-type"] = .string(attributesType) }
        if let attributes { object["attributes"] = attributes }
        if self.inputPushToken { object["input-push-token"] = 1 }
        return object
    }
}
