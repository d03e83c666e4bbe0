import Foundation
import PushgateCore

/// The JSON body of an APNs request: the `aps` dictionary plus custom keys
/// (VENDORS.md A3). Build it from a portable `Notification`, or set fields directly.
public struct APNSPayload: Hashable, Sendable {
    public var alert: Alert?
    public var badge: Int?
    public var sound: Notification.Sound?
    public var threadID: String?
    public var category: String?
    public var contentAvailable: Bool = false
    public var mutableContent: Bool = false
    public var targetContentID: String?
    /// passive, active, time-sensitive or critical.
    public var interruptionLevel: String?
    public var relevanceScore: Double?
    public var filterCriteria: String?
    public var liveActivity: LiveActivity?
    /// Keys next to `aps` (APNs ignores custom keys inside `aps`).
    public var custom: [String: JSONValue] = [:]

    public init() {}

    /// The visible part of an alert.
    public struct Alert: Hashable, Sendable {
        public var title: String?
        public var subtitle: String?
        public var body: String?
        public var launchImage: String?
        public var titleLocKey: String?
        public var titleLocArgs: [String]?
        public var subtitleLocKey: String?
        public var subtitleLocArgs: [String]?
        public var locKey: String?
        public var locArgs: [String]?

        public init(title: String? = nil, subtitle: String? = nil, body: String? = nil) {
            self.title = title
            self.subtitle = subtitle
            self.body = body
        }
    }

    /// Live Activity fields of `aps` (push type `liveactivity`).
    public struct LiveActivity: Hashable, Sendable {
        public enum Event: String, Hashable, Sendable { case start, update, end }
        public var event: Event
        /// Always sent; APNs drops updates older than the activity's last one.
        public var timestamp: Date
        public var contentState: JSONValue?
        public var staleDate: Date?
        public var dismissalDate: Date?
        /// Required for `start`.
        public var attributesType: String?
        public var attributes: JSONValue?
        public var inputPushToken: Bool = false

        public init(event: Event, timestamp: Date, contentState: JSONValue? = nil) {
            self.event = event
            self.timestamp = timestamp
            self.contentState = contentState
        }
    }

    /// Maps the portable fields; `overrides[.apns]` is applied later by `jsonObject()`'s caller.
    public init(notification: Notification) {
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
    public func jsonObject(merging override: [String: JSONValue]? = nil) -> [String: JSONValue] {
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
