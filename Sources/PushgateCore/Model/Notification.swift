import Foundation

/// What a backend asks Pushgate to show, in portable terms. Each adapter maps these fields to
/// its vendor's format and then applies that vendor's raw override, if any.
public struct Notification: Hashable, Sendable, Codable {
    public var title: String?
    public var subtitle: String?
    public var body: String?
    public var badge: Int?
    public var sound: Sound?
    /// Custom keys delivered to the app next to the visible part.
    public var data: [String: JSONValue]
    public var category: String?
    public var threadID: String?
    public var priority: Priority?
    /// Absolute time after which the notification is worthless; wins over `timeToLive`.
    public var expiration: Date?
    /// Seconds the vendor may keep trying, counted from acceptance.
    public var timeToLive: Int?
    /// Notifications with the same key replace each other on the device.
    public var collapseKey: String?
    public var pushType: PushType?
    public var mutableContent: Bool
    public var contentAvailable: Bool
    /// APNs `interruption-level`: passive, active, time-sensitive or critical.
    public var interruptionLevel: String?
    public var relevanceScore: Double?
    /// Raw per-vendor JSON merged over what the adapter builds (for APNs: top-level keys, and
    /// `aps` merged key by key), for fields the portable model does not name.
    public var overrides: [Vendor: JSONValue]

    public init(
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
    public func expiry(acceptedAt: Date) -> Date? {
        if let expiration { return expiration }
        if let timeToLive { return acceptedAt.addingTimeInterval(TimeInterval(timeToLive)) }
        return nil
    }
}

extension Notification {
    /// How urgently the vendor should show the notification.
    public enum Priority: String, Hashable, Sendable, Codable, CaseIterable {
        /// Show now, wake the device (APNs 10).
        case high
        /// Power-aware delivery (APNs 5).
        case normal
        /// Never wake the device (APNs 1).
        case low
    }

    /// A notification sound: a named file (or "default"), optionally a critical alert.
    public struct Sound: Hashable, Sendable, Codable {
        public var name: String
        public var critical: Bool
        /// 0…1, for critical alerts.
        public var volume: Double?

        public init(name: String, critical: Bool = false, volume: Double? = nil) {
            self.name = name
            self.critical = critical
            self.volume = volume
        }

        public static let `default` = Sound(name: "default")
    }

    /// The kind of push, named as APNs names them; other vendors map what they can.
    public struct PushType: RawRepresentable, Hashable, Sendable, Codable, CaseIterable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let alert = PushType(rawValue: "alert")
        public static let background = PushType(rawValue: "background")
        public static let location = PushType(rawValue: "location")
        public static let voip = PushType(rawValue: "voip")
        public static let complication = PushType(rawValue: "complication")
        public static let fileProvider = PushType(rawValue: "fileprovider")
        public static let mdm = PushType(rawValue: "mdm")
        public static let liveActivity = PushType(rawValue: "liveactivity")
        public static let pushToTalk = PushType(rawValue: "pushtotalk")
        public static let widgets = PushType(rawValue: "widgets")
        public static let controls = PushType(rawValue: "controls")

        public static let allCases: [PushType] = [
            .alert, .background, .location, .voip, .complication, .fileProvider, .mdm, .liveActivity,
            .pushToTalk, .widgets, .controls,
        ]

        public init(from decoder: any Decoder) throws {
            self.rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(self.rawValue)
        }
    }
}
