import Foundation
import PushgateCore
import PushgateHTTPVendor

/// Builds Huawei's v1 `message` from the portable notification plus `overrides.huawei` (merged
/// last, key by key into `message`), and checks every limit Huawei documents so that the API
/// can refuse a notification before storing it (VENDORS.md §1.2).
struct HuaweiMessageBuilder: Sendable {
    let configuration: HuaweiConfiguration

    /// The most `android.ttl` may say: 15 days. A longer TTL is capped, since Huawei cannot keep
    /// a message longer anyway.
    static let maxTimeToLive = 1_296_000
    static let maxMessageBytes = 4096

    /// `identity` names this notification on the device: every attempt and every batch of it
    /// carries the same `notify_id` and `tag`, so a resend replaces rather than adds.
    func message(
        for notification: Notification, identity: UUID, expiresAt: Date?, now: Date
    ) throws(HuaweiMessageProblem) -> HuaweiMessage {
        var message: [String: JSONValue] = [:]
        var android: [String: JSONValue] = [:]
        let visible = notification.title != nil || notification.body != nil
        if visible {
            android["notification"] = .object(self.visibleNotification(notification, identity: identity))
        }
        if !notification.data.isEmpty || !visible {
            // Huawei's `data` is a string: the app receives the JSON text as is.
            let data = (try? JSONWriter.bytes(.object(notification.data))) ?? Array("{}".utf8)
            message["data"] = .string(String(decoding: data, as: UTF8.self))
        }
        if let expiresAt {
            let seconds = Int(expiresAt.timeIntervalSince(now).rounded(.up))
            guard seconds > 0 else { throw HuaweiMessageProblem(reason: .expired, detail: "expired before sending") }
            android["ttl"] = .string("\(min(seconds, Self.maxTimeToLive))s")
        }
        if let category = self.configuration.category { android["category"] = .string(category) }
        if self.configuration.testMessages { android["target_user_type"] = .integer(1) }
        if notification.priority == .high && !visible { android["urgency"] = "HIGH" }
        message["android"] = .object(android)
        if let overrides = notification.overrides[.huawei]?.objectValue {
            var merged = JSONValue.object(message)
            merged.merge(.object(overrides.filter { $0.key != "token" }))
            message = merged.objectValue ?? message
        }
        try Self.check(message)
        let bytes: [UInt8]
        do {
            bytes = try JSONWriter.bytes(.object(message))
        } catch {
            throw HuaweiMessageProblem(reason: .invalidRequest, detail: error.description)
        }
        guard bytes.count <= Self.maxMessageBytes else {
            throw HuaweiMessageProblem(
                reason: .payloadTooLarge,
                detail: "message is \(bytes.count) bytes, Huawei allows \(Self.maxMessageBytes)")
        }
        return HuaweiMessage(messageBytes: bytes, validateOnly: self.configuration.validateOnly)
    }

    private func visibleNotification(_ notification: Notification, identity: UUID) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        if let title = notification.title { fields["title"] = .string(title) }
        if let body = notification.body { fields["body"] = .string(body) }
        // Huawei requires a click action on notification messages; 3 opens the app.
        fields["click_action"] = .object(["type": 3])
        // A caller's collapse key replaces across notifications; otherwise the identity
        // replaces across attempts of this one.
        let tag = notification.collapseKey ?? identity.lowercasedString
        fields["tag"] = .string(tag)
        fields["notify_id"] = .integer(NotifyID.derive(from: tag))
        if let channel = self.configuration.channelID { fields["channel_id"] = .string(channel) }
        if notification.priority == .low { fields["importance"] = "LOW" }
        if let sound = notification.sound {
            if sound.name == "default" { fields["default_sound"] = true } else { fields["sound"] = .string(sound.name) }
        }
        if let badge = notification.badge, let badgeClass = self.configuration.badgeClass {
            fields["badge"] = .object(["set_num": .integer(badge), "class": .string(badgeClass)])
        }
        return fields
    }

    /// Huawei's own checks on the final message (its Java demo's validation and the field
    /// reference), so that overrides cannot smuggle in what Huawei would refuse.
    static func check(_ message: [String: JSONValue]) throws(HuaweiMessageProblem) {
        guard let android = message["android"]?.objectValue else {
            throw HuaweiMessageProblem(reason: .invalidRequest, detail: "android must be an object")
        }
        if let collapse = android["collapse_key"] {
            guard case .integer(let value) = collapse, (-1...100).contains(value) else {
                throw HuaweiMessageProblem(reason: .invalidRequest, detail: "android.collapse_key must be -1…100")
            }
        }
        try Self.oneOf(android["urgency"], ["HIGH", "NORMAL"], "android.urgency")
        try Self.oneOf(android["category"], HuaweiConfiguration.categories, "android.category")
        if let ttl = android["ttl"] {
            guard let text = ttl.stringValue, let seconds = Self.ttlSeconds(text), seconds <= Double(Self.maxTimeToLive)
            else {
                throw HuaweiMessageProblem(
                    reason: .invalidRequest, detail: "android.ttl must be like \"86400s\", at most 1296000s")
            }
        }
        if let type = android["target_user_type"], type != .integer(0), type != .integer(1) {
            throw HuaweiMessageProblem(reason: .invalidRequest, detail: "android.target_user_type must be 0 or 1")
        }
        guard let notification = android["notification"] else { return }
        guard let fields = notification.objectValue else {
            throw HuaweiMessageProblem(reason: .invalidRequest, detail: "android.notification must be an object")
        }
        try Self.oneOf(fields["importance"], ["LOW", "NORMAL", "HIGH"], "android.notification.importance")
        if let notifyID = fields["notify_id"] {
            guard case .integer(let value) = notifyID, (Int(Int32.min)...Int(Int32.max)).contains(value) else {
                throw HuaweiMessageProblem(
                    reason: .invalidRequest, detail: "android.notification.notify_id must be a 32-bit integer")
            }
        }
        guard let action = fields["click_action"]?.objectValue, case .integer(let type) = action["type"] else {
            throw HuaweiMessageProblem(
                reason: .invalidRequest, detail: "android.notification.click_action.type is required (1, 2 or 3)")
        }
        switch type {
        case 1 where action["intent"]?.stringValue != nil || action["action"]?.stringValue != nil, 3:
            break
        case 2 where action["url"]?.stringValue?.hasPrefix("https://") == true:
            break
        default:
            throw HuaweiMessageProblem(
                reason: .invalidRequest,
                detail: "android.notification.click_action: type 1 needs intent or action, 2 an https url, or 3")
        }
    }

    private static func oneOf(_ value: JSONValue?, _ allowed: Set<String>, _ path: String) throws(HuaweiMessageProblem)
    {
        guard let value else { return }
        guard let text = value.stringValue, allowed.contains(text) else {
            throw HuaweiMessageProblem(
                reason: .invalidRequest, detail: "\(path) must be one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// Seconds in Huawei's TTL syntax: digits, optional fraction of up to 9 digits, optional `s`.
    static func ttlSeconds(_ text: String) -> Double? {
        var digits = Substring(text)
        if digits.last == "s" || digits.last == "S" { digits = digits.dropLast() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
            parts.count == 1 || parts[1].count <= 9
        else { return nil }
        return Double(digits)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
