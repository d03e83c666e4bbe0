import ArgumentParser
import Foundation
import NIOCore
import PushgateAPNS
import PushgateCore

/// The flags that describe the notification to send.
struct NotificationOptions: ParsableArguments {
    @Option(help: "Alert title.") var title: String?
    @Option(help: "Alert subtitle.") var subtitle: String?
    @Option(help: "Alert body.") var body: String?
    @Option(help: "Badge number (0 clears it).") var badge: Int?
    @Option(help: "Sound file name, or \"default\".") var sound: String?
    @Option(name: .customLong("thread-id"), help: "Groups notifications on the device.") var threadID: String?
    @Option(help: "Notification category (actions).") var category: String?
    @Flag(name: .customLong("content-available"), help: "Wake the app in the background.")
    var contentAvailable = false
    @Flag(name: .customLong("mutable-content"), help: "Let a service extension change the notification.")
    var mutableContent = false

    @Option(
        name: .customLong("push-type"),
        help:
            "alert, background, location, voip, complication, fileprovider, mdm, liveactivity, pushtotalk, widgets, controls."
    )
    var pushType: String?

    @Option(help: "10 (immediate), 5 (power-aware) or 1 (never wakes the device).")
    var priority: Int?

    @Option(help: "UNIX time after which APNs stops trying (0: deliver now or never).")
    var expiration: Int?

    @Option(name: .customLong("collapse-id"), help: "Notifications with the same id replace each other (≤ 64 bytes).")
    var collapseID: String?

    @Option(help: "The whole JSON payload instead of the fields above: inline JSON or @file.")
    var payload: String?

    func validate() throws {
        if let pushType, !Notification.PushType.allCases.contains(.init(rawValue: pushType)) {
            throw ValidationError("--push-type \(pushType) is not an APNs push type")
        }
        if let priority, ![10, 5, 1].contains(priority) {
            throw ValidationError("--priority must be 10, 5 or 1")
        }
        if let expiration, expiration < 0 {
            throw ValidationError("--expiration must be a UNIX time (seconds) or 0")
        }
        if let collapseID, collapseID.utf8.count > 64 {
            throw ValidationError("--collapse-id must be at most 64 bytes")
        }
        if let badge, badge < 0 {
            throw ValidationError("--badge must be 0 or more")
        }
    }

    func makeNotification() -> Notification {
        var notification = Notification(
            title: self.title,
            subtitle: self.subtitle,
            body: self.body,
            badge: self.badge,
            sound: self.sound.map { Notification.Sound(name: $0) },
            category: self.category,
            threadID: self.threadID,
            collapseKey: self.collapseID,
            pushType: self.pushType.map(Notification.PushType.init(rawValue:)),
            mutableContent: self.mutableContent,
            contentAvailable: self.contentAvailable
        )
        if self.expiration == 0 { notification.timeToLive = 0 }
        switch self.priority {
        case 10: notification.priority = .high
        case 5: notification.priority = .normal
        case 1: notification.priority = .low
        default: break
        }
        if notification.title == nil, notification.body == nil, !self.contentAvailable, self.payload == nil {
            notification.body = "Hello from Pushgate"
        }
        return notification
    }

    /// The absolute expiry; `--expiration 0` ("now or never") becomes a TTL of 0 instead.
    func expiresAt() -> Date? {
        guard let expiration, expiration > 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(expiration))
    }

    /// The raw payload, checked to be a JSON object.
    func rawPayload() throws -> ByteBuffer? {
        guard let payload else { return nil }
        let text: String
        if payload.hasPrefix("@") {
            text = try readUserFile(String(payload.dropFirst()), flag: "--payload")
        } else {
            text = payload
        }
        let data = Data(text.utf8)
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw CLIError("--payload: not a JSON object")
        }
        return ByteBuffer(bytes: data)
    }
}
