import Foundation
import PushgateCore

/// One Xiaomi message for any number of regids: the form fields without `registration_id`,
/// checked once per batch.
struct XiaomiMessage: Sendable {
    var fields: [(String, String)]

    /// Custom `extra.*` keys Xiaomi allows besides its own (VENDORS.md §2.2).
    static let maxCustomExtras = 10
    static let maxExtraCharacters = 1024
    static let documentedExtras: Set<String> = [
        "channel_id", "notify_effect", "intent_uri", "web_uri", "notify_foreground", "sound_uri", "ticker", "badge",
        "only_send_once", "jobkey", "callback", "callback.param", "callback.type", "locale", "locale_not_in", "model",
        "model_not_in", "app_version", "app_version_not_in", "connpt", "flow_control",
    ]
}

/// Why a notification cannot be sent to Xiaomi as it stands, found before sending.
struct XiaomiMessageProblem: Error, Sendable {
    var reason: OutcomeReason
    var detail: String

    var report: DeliveryReport {
        DeliveryReport(outcome: .permanent(reason: self.reason), vendorReason: self.detail)
    }
}
