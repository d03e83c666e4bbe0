import Foundation

/// What a backend asks Pushgate to show, in portable terms. Each adapter maps these fields to
/// its vendor's format and then applies that vendor's raw override, if any.
package struct Notification: Hashable, Sendable, Codable {
    package var title: String?
    package var subtitle: String?
    package var body: String?
    package var badge: Int?
    package var sound: Sound?
    /// Custom keys delivered to the app next to the visible part.
    package var data: [String: JSONValue]
    package var category: String?
    package var threadID: String?
    package var priority: Priority?
    /// Absolute time after which the notification is worthless; wins over `timeToLive`.
    package var expiration: Date?
    /// Seconds the vendor may keep trying, counted from acceptance.
    package var timeToLive: Int?
    /// Notifications with the same key replace each other on the device.
    package var collapseKey: String?
    package var pushType: PushType?
    package var mutableContent: Bool
    package var contentAvailable: Bool
    /// APNs `interruption-level`: passive, active, time-sensitive or critical.
    package var interruptionLevel: String?
    package var relevanceScore: Double?
    /// Raw per-vendor JSON merged over what the adapter builds (for APNs: top-level keys, and
    /// `aps` merged key by key), for fields the portable model does not name.
    package var overrides: [Vendor: JSONValue]

    package init(
        title: String? = nil,
        subtitle: String? = nil,
        body: String? = nil,
        badge: Int? = nil,
        sound: Sound? = nil,
        data: [String: JSONValue] = [:],
        category: String? = nil,
        threadID: String? = nil,
        priority: Priority? = nil,
        expiration: Date? = nil,
        timeToLive: Int? = nil,
        collapseKey: String? = nil,
        pushType: PushType? = nil,
        mutableContent: Bool = false,
        contentAvailable: Bool = false,
        interruptionLevel: String? = nil,
        relevanceScore: Double? = nil,
        overrides: [Vendor: JSONValue] = [:]
    ) {
        self.title = title
        self.subtitle = subtitle
        self.body = body
        self.badge = badge
        self.sound = sound
        self.data = data
        self.category = category
        self.threadID = threadID
        self.priority = priority
        self.expiration = expiration
        self.timeToLive = timeToLive
        self.collapseKey = collapseKey
        self.pushType = pushType
        self.mutableContent = mutableContent
        self.contentAvailable = contentAvailable
        self.interruptionLevel = interruptionLevel
        self.relevanceScore = relevanceScore
        self.overrides = overrides
    }

    /// When the notification stops being worth delivering, given when it was accepted.
    package func expiry(acceptedAt: Date) -> Date? {
        if let expiration { return expiration }
        if let timeToLive { return acceptedAt.addingTimeInterval(TimeInterval(timeToLive)) }
        return nil
    }
}

extension Notification {
    /// How urgently the vendor should show the notification.
    package enum Priority: String, Hashable, Sendable, Codable, CaseIterable {
        /// Show now, wake the device (APNs 10).
        case high
        /// Power-aware delivery (APNs 5).
        case normal
        /// Never wake the device (APNs 1).
        case low
    }

    /// A notification sound: a named file (or "default"), optionally a critical alert.
    package struct Sound: Hashable, Sendable, Codable {
        package var name: String
        package var critical: Bool
        /// 0…1, for critical alerts.
        package var volume: Double?

        package init(name: String, critical: Bool = false, volume: Double? = nil) {
            self.name = name
            self.critical = critical
            self.volume = volume
        }

        package static let `default` = Sound(name: "default")
    }

    /// The kind of push, named as APNs names them; other vendors map what they can.
    package struct PushType: RawRepresentable, Hashable, Sendable, Codable, CaseIterable {
        package var rawValue: String
        package init(rawValue: String) { self.rawValue = rawValue }

        package static let alert = PushType(rawValue: "alert")
        package static let background = PushType(rawValue: "background")
        package static let location = PushType(rawValue: "location")
        package static let voip = PushType(rawValue: "voip")
        package static let complication = PushType(rawValue: "complication")
        package static let fileProvider = PushType(rawValue: "fileprovider")
        package static let mdm = PushType(rawValue: "mdm")
        package static let liveActivity = PushType(rawValue: "liveactivity")
        package static let pushToTalk = PushType(rawValue: "pushtotalk")
        package static let widgets = PushType(rawValue: "widgets")
        package static let controls = PushType(rawValue: "controls")

        package static let allCases: [PushType] = [
            .alert, .background, .location, .voip, .complication, .fileProvider, .mdm, .liveActivity,
            .pushToTalk, .widgets, .controls,
        ]

        package init(from decoder: any Decoder) throws {
            self.rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(self.rawValue)
        }
    }
}
