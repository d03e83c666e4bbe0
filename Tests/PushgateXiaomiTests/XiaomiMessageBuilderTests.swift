import Foundation
import PushgateCore
import PushgateHTTPVendor
import Testing

@testable import PushgateXiaomi

typealias Notification = PushgateCore.Notification

@Suite("Xiaomi message building and local limits")
struct XiaomiMessageBuilderTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let identity = UUID()

    static func fields(_ notification: Notification, expiresAt: Date? = nil) throws -> [String: String] {
        var configuration = XiaomiConfiguration(appSecret: "s", packageName: "com.example.app")
        configuration.channelID = "orders"
        let message = try XiaomiMessageBuilder(configuration: configuration).message(
            for: notification, identity: Self.identity, expiresAt: expiresAt, now: Self.now)
        return Dictionary(uniqueKeysWithValues: message.fields)
    }

    static func problem(_ notification: Notification) -> XiaomiMessageProblem? {
        do {
            _ = try Self.fields(notification)
            return nil
        } catch {
            return error as? XiaomiMessageProblem
        }
    }

    @Test("a notification: package, title, description, notify_id from the identity, TTL in milliseconds, channel")
    func visible() throws {
        let fields = try Self.fields(
            Notification(title: "Hi", body: "There", data: ["k": "v"]), expiresAt: Self.now.addingTimeInterval(90))
        #expect(fields["restricted_package_name"] == "com.example.app")
        #expect(fields["pass_through"] == "0")
        #expect(fields["title"] == "Hi")
        #expect(fields["description"] == "There")
        #expect(fields["payload"] == #"{"k":"v"}"#)
        #expect(fields["time_to_live"] == "90000")
        #expect(fields["extra.channel_id"] == "orders")
        #expect(fields["notify_id"] == String(NotifyID.derive(from: Self.identity.lowercasedString)))
        #expect(fields["registration_id"] == nil)
    }

    @Test("a data-only notification is a pass-through message")
    func passThrough() throws {
        let fields = try Self.fields(Notification(data: ["k": .integer(1)]))
        #expect(fields["pass_through"] == "1")
        #expect(fields["title"] == nil)
        #expect(fields["payload"] == #"{"k":1}"#)
    }

    @Test("overrides are form fields merged last; the regids cannot be overridden")
    func overrides() throws {
        var notification = Notification(title: "t")
        notification.overrides[.xiaomi] = .object([
            "notify_type": .integer(2), "extra.sound_uri": "android.resource://com.example.app/raw/ding",
            "registration_id": "smuggled",
        ])
        let fields = try Self.fields(notification)
        #expect(fields["notify_type"] == "2")
        #expect(fields["extra.sound_uri"] == "android.resource://com.example.app/raw/ding")
        #expect(fields["registration_id"] == nil)
    }

    @Test("Xiaomi's limits are checked before sending")
    func limits() {
        #expect(Self.problem(Notification(title: String(repeating: "標", count: 49))) == nil)
        #expect(Self.problem(Notification(title: String(repeating: "標", count: 50)))?.reason == .payloadTooLarge)
        #expect(
            Self.problem(Notification(title: "t", body: String(repeating: "x", count: 128)))?.reason == .payloadTooLarge
        )
        #expect(Self.problem(Notification(title: "   ", body: "b"))?.reason == .invalidRequest)
        var extras = Notification(title: "t")
        extras.overrides[.xiaomi] = .object(
            Dictionary(uniqueKeysWithValues: (0..<11).map { ("extra.k\($0)", JSONValue.string("v")) }))
        #expect(Self.problem(extras)?.detail.contains("10 custom") == true)
        var effect = Notification(title: "t")
        effect.overrides[.xiaomi] = .object(["extra.notify_effect": "3"])
        #expect(Self.problem(effect)?.reason == .invalidRequest)
    }

    @Test("regids with commas or spaces are refused by validate")
    func tokens() {
        #expect(XiaomiAdapter.tokenProblem("a,b") != nil)
        #expect(XiaomiAdapter.tokenProblem("a b") != nil)
        #expect(XiaomiAdapter.tokenProblem("") != nil)
        #expect(XiaomiAdapter.tokenProblem("ab+cd/ef=") == nil)
    }
}
