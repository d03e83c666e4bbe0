import Foundation
import PushgateCore
import PushgateStore

/// The JSON bodies the app's webhook receives: a dead token, and a delivery's final outcome.
enum WebhookEvents {
    static func events(for delivery: LeasedDelivery, update: DeliveryUpdate, attempts: Int) -> [[UInt8]] {
        var events: [[UInt8]] = []
        if let invalid = update.invalidToken {
            var object: [String: JSONValue] = [
                "type": "invalid_token",
                "app": .string(invalid.appID),
                "vendor": .string(invalid.vendor.rawValue),
                "token": .string(invalid.token),
                "reason": .string(invalid.reason),
            ]
            if let since = invalid.since { object["since"] = .string(Self.timestamp(since)) }
            events.append(Self.encode(object))
        }
        if update.state.isFinal {
            var object: [String: JSONValue] = [
                "type": "delivery.final",
                "app": .string(delivery.appID),
                "notification_id": .string(delivery.notificationID.lowercasedString),
                "delivery_id": .string(delivery.id.lowercasedString),
                "vendor": .string(delivery.target.vendor.rawValue),
                "state": .string(update.state.rawValue),
                "attempts": .integer(attempts),
            ]
            if let last = update.lastOutcome {
                var outcome: [String: JSONValue] = ["kind": .string(last.kind), "at": .string(Self.timestamp(last.at))]
                if let status = last.vendorStatus { outcome["vendor_status"] = .integer(status) }
                if let reason = last.vendorReason { outcome["vendor_reason"] = .string(reason) }
                if let stage = last.stage { outcome["stage"] = .string(stage) }
                object["last_outcome"] = .object(outcome)
            }
            events.append(Self.encode(object))
        }
        return events
    }

    private static func encode(_ object: [String: JSONValue]) -> [UInt8] {
        (try? JSONWriter.bytes(.object(object))) ?? Array("{}".utf8)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
