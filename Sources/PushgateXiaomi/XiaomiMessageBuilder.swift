import Foundation
import PushgateCore
import PushgateHTTPVendor

/// Builds MiPush's form fields from the portable notification plus `overrides.xiaomi` (an object
/// of form fields, merged last: `{"extra.sound_uri": "…", "notify_type": 2}`), and checks the
/// limits Xiaomi documents.
struct XiaomiMessageBuilder: Sendable {
    let configuration: XiaomiConfiguration

    static let maxTitleCharacters = 49
    static let maxDescriptionCharacters = 127

    func message(
        for notification: Notification, identity: UUID, expiresAt: Date?, now: Date
    ) throws(XiaomiMessageProblem) -> XiaomiMessage {
        var fields: [String: String] = ["restricted_package_name": self.configuration.packageName]
        let visible = notification.title != nil || notification.body != nil
        fields["pass_through"] = visible ? "0" : "1"
        if visible {
            fields["title"] = notification.title ?? ""
            fields["description"] = notification.body ?? ""
            fields["notify_type"] = "-1"
            fields["extra.notify_effect"] = "1"
            // A caller's collapse key replaces across notifications; otherwise the identity
            // replaces across attempts of this one.
            fields["notify_id"] = String(NotifyID.derive(from: notification.collapseKey ?? identity.lowercasedString))
            if let channel = self.configuration.channelID { fields["extra.channel_id"] = channel }
        }
        if !notification.data.isEmpty || !visible {
            let data = (try? JSONWriter.bytes(.object(notification.data))) ?? Array("{}".utf8)
            fields["payload"] = String(decoding: data, as: UTF8.self)
        }
        if let expiresAt {
            let milliseconds = Int((expiresAt.timeIntervalSince(now) * 1000).rounded(.up))
            guard milliseconds > 0 else {
                throw XiaomiMessageProblem(reason: .expired, detail: "expired before sending")
            }
            let cap = Int(self.configuration.maxTimeToLive.components.seconds) * 1000
            fields["time_to_live"] = String(min(milliseconds, cap))
        }
        if let overrides = notification.overrides[.xiaomi] {
            guard let object = overrides.objectValue else {
                throw XiaomiMessageProblem(
                    reason: .invalidRequest, detail: "overrides.xiaomi must be an object of form fields")
            }
            for (key, value) in object where key != "registration_id" {
                guard let text = Self.formValue(value) else {
                    throw XiaomiMessageProblem(
                        reason: .invalidRequest, detail: "overrides.xiaomi.\(key) must be a string or number")
                }
                fields[key] = text
            }
        }
        try Self.check(fields)
        return XiaomiMessage(fields: fields.sorted { $0.key < $1.key })
    }

    private static func formValue(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .integer(let number): String(number)
        case .bool(let flag): flag ? "1" : "0"
        default: nil
        }
    }

    static func check(_ fields: [String: String]) throws(XiaomiMessageProblem) {
        if fields["pass_through"] == "0" {
            let title = fields["title"] ?? ""
            guard !title.allSatisfy(\.isWhitespace) else {
                throw XiaomiMessageProblem(reason: .invalidRequest, detail: "Xiaomi needs a title that is not blank")
            }
            guard title.count <= Self.maxTitleCharacters else {
                throw XiaomiMessageProblem(
                    reason: .payloadTooLarge, detail: "title is \(title.count) characters, Xiaomi allows fewer than 50")
            }
            let description = fields["description"] ?? ""
            guard description.count <= Self.maxDescriptionCharacters else {
                throw XiaomiMessageProblem(
                    reason: .payloadTooLarge,
                    detail: "description is \(description.count) characters, Xiaomi allows fewer than 128")
            }
        }
        if let id = fields["notify_id"], !(Int(id).map { (0...2_147_483_647).contains($0) } ?? false) {
            throw XiaomiMessageProblem(reason: .invalidRequest, detail: "notify_id must be 0…2147483647")
        }
        if let type = fields["notify_type"], !(Int(type).map { (-1...7).contains($0) } ?? false) {
            throw XiaomiMessageProblem(reason: .invalidRequest, detail: "notify_type must be -1…7")
        }
        if let ttl = fields["time_to_live"], !(Int(ttl).map { $0 > 0 } ?? false) {
            throw XiaomiMessageProblem(reason: .invalidRequest, detail: "time_to_live must be positive milliseconds")
        }
        if let effect = fields["extra.notify_effect"] {
            let ok =
                effect == "1" || (effect == "2" && fields["extra.intent_uri"] != nil)
                || (effect == "3" && fields["extra.web_uri"] != nil)
            guard ok else {
                throw XiaomiMessageProblem(
                    reason: .invalidRequest,
                    detail: "extra.notify_effect: 1, 2 with extra.intent_uri, or 3 with extra.web_uri")
            }
        }
        let custom = fields.filter {
            $0.key.hasPrefix("extra.") && !XiaomiMessage.documentedExtras.contains(String($0.key.dropFirst(6)))
        }
        guard custom.count <= XiaomiMessage.maxCustomExtras else {
            throw XiaomiMessageProblem(reason: .invalidRequest, detail: "at most 10 custom extra.* keys")
        }
        if let long = custom.first(where: { $0.key.count - 6 + $0.value.count > XiaomiMessage.maxExtraCharacters }) {
            throw XiaomiMessageProblem(
                reason: .invalidRequest, detail: "\(long.key): key and value over 1024 characters")
        }
    }
}
