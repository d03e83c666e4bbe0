import Foundation
import NIOCore
import PushgateCore
import PushgateHTTPVendor
import Testing

@testable import PushgateHuawei

typealias Notification = PushgateCore.Notification

/// JSON text as a `JSONValue` (overrides arrive as JSON).
private func json(_ text: String) -> JSONValue {
    (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
}

@Suite("Huawei message building and local limits")
struct HuaweiMessageBuilderTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let identity = UUID(uuidString: "6F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9")!

    static func builder(_ change: (inout HuaweiConfiguration) -> Void = { _ in }) -> HuaweiMessageBuilder {
        var configuration = HuaweiConfiguration(appID: "10000001", clientSecret: "s")
        change(&configuration)
        return HuaweiMessageBuilder(configuration: configuration)
    }

    static func body(_ notification: Notification, expiresAt: Date? = nil, tokens: [String] = ["tok1"]) throws
        -> [String: Any]
    {
        let message = try Self.builder { $0.category = "IM" }.message(
            for: notification, identity: Self.identity, expiresAt: expiresAt, now: Self.now)
        let body = message.body(tokens: tokens)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }

    @Test("a visible notification: title, body, click_action 3, identity as tag and notify_id, TTL, tokens")
    func visible() throws {
        let body = try Self.body(
            Notification(title: "Hi", body: "There", data: ["k": "v"]),
            expiresAt: Self.now.addingTimeInterval(3600), tokens: ["a", "b"])
        #expect(body["validate_only"] as? Bool == false)
        let message = try #require(body["message"] as? [String: Any])
        #expect(message["token"] as? [String] == ["a", "b"])
        #expect(message["data"] as? String == #"{"k":"v"}"#)
        let android = try #require(message["android"] as? [String: Any])
        #expect(android["ttl"] as? String == "3600s")
        #expect(android["category"] as? String == "IM")
        let notification = try #require(android["notification"] as? [String: Any])
        #expect(notification["title"] as? String == "Hi")
        #expect((notification["click_action"] as? [String: Any])?["type"] as? Int == 3)
        #expect(notification["tag"] as? String == Self.identity.lowercasedString)
        #expect(notification["notify_id"] as? Int == NotifyID.derive(from: Self.identity.lowercasedString))
    }

    @Test("the same identity gives the same notify_id every time; another gives another")
    func stableIdentity() {
        let one = NotifyID.derive(from: Self.identity.lowercasedString)
        #expect(one == NotifyID.derive(from: Self.identity.lowercasedString))
        #expect(one != NotifyID.derive(from: UUID().lowercasedString))
        #expect((0...Int(Int32.max)).contains(one))
    }

    @Test("a TTL beyond 15 days is capped; a past expiry is refused before sending")
    func timeToLive() throws {
        let body = try Self.body(Notification(title: "t"), expiresAt: Self.now.addingTimeInterval(40 * 86400))
        let android = (body["message"] as? [String: Any])?["android"] as? [String: Any]
        #expect(android?["ttl"] as? String == "1296000s")
        #expect(throws: HuaweiMessageProblem.self) {
            try Self.builder().message(
                for: Notification(title: "t"), identity: Self.identity, expiresAt: Self.now.addingTimeInterval(-1),
                now: Self.now)
        }
    }

    @Test("overrides merge into message key by key and cannot replace the tokens")
    func overrides() throws {
        var notification = Notification(title: "t")
        notification.overrides[.huawei] = json(
            #"{"android":{"notification":{"image":"https://example.com/i.png","importance":"HIGH"}},"token":["smuggled"]}"#
        )
        let body = try Self.body(notification)
        let message = try #require(body["message"] as? [String: Any])
        #expect(message["token"] as? [String] == ["tok1"])
        let fields = (message["android"] as? [String: Any])?["notification"] as? [String: Any]
        #expect(fields?["image"] as? String == "https://example.com/i.png")
        #expect(fields?["importance"] as? String == "HIGH")
        #expect(fields?["title"] as? String == "t")
    }

    static let refused: [(String, String)] = [
        (#"{"android":{"collapse_key":101}}"#, "InvalidRequest"),
        (#"{"android":{"urgency":"URGENT"}}"#, "InvalidRequest"),
        (#"{"android":{"category":"SPAM"}}"#, "InvalidRequest"),
        (#"{"android":{"ttl":"1d"}}"#, "InvalidRequest"),
        (#"{"android":{"ttl":"1296001s"}}"#, "InvalidRequest"),
        (#"{"android":{"target_user_type":2}}"#, "InvalidRequest"),
        (#"{"android":{"notification":{"importance":"MAX"}}}"#, "InvalidRequest"),
        (#"{"android":{"notification":{"notify_id":4294967296}}}"#, "InvalidRequest"),
        (#"{"android":{"notification":{"click_action":{"type":2,"url":"http://plain"}}}}"#, "InvalidRequest"),
        (#"{"android":{"notification":{"click_action":{"type":1}}}}"#, "InvalidRequest"),
        (#"{"android":{"notification":{"click_action":{"type":4}}}}"#, "InvalidRequest"),
        (#"{"android":{"notification":{"body":"\#(String(repeating: "x", count: 4100))"}}}"#, "PayloadTooLarge"),
    ]

    @Test("what Huawei would refuse is refused before sending", arguments: refused)
    func refusedLocally(override: String, reason: String) {
        var notification = Notification(title: "t", body: "b")
        notification.overrides[.huawei] = json(override)
        do {
            _ = try Self.builder().message(for: notification, identity: Self.identity, expiresAt: nil, now: Self.now)
            Issue.record("accepted \(override)")
        } catch {
            #expect(error.reason.rawValue == reason)
        }
    }

    @Test("a message of exactly 4,096 bytes without its tokens is accepted, however many tokens follow")
    func sizeLimitExcludesTokens() throws {
        let base = try Self.builder().message(
            for: Notification(title: "t", body: ""), identity: Self.identity, expiresAt: nil, now: Self.now)
        let padding = HuaweiMessageBuilder.maxMessageBytes - base.messageBytes.count
        let message = try Self.builder().message(
            for: Notification(title: "t", body: String(repeating: "x", count: padding)), identity: Self.identity,
            expiresAt: nil, now: Self.now)
        #expect(message.messageBytes.count == HuaweiMessageBuilder.maxMessageBytes)
        let tokens = (0..<1000).map { "token-\($0)-" + String(repeating: "a", count: 100) }
        #expect(message.body(tokens: tokens).readableBytes > 100_000)
    }

    @Test("a data message (no title or body) carries the data and no android.notification")
    func dataMessage() throws {
        var notification = Notification(data: ["k": .integer(1)])
        notification.priority = .high
        let body = try Self.body(notification)
        let message = try #require(body["message"] as? [String: Any])
        #expect(message["data"] as? String == #"{"k":1}"#)
        let android = try #require(message["android"] as? [String: Any])
        #expect(android["notification"] == nil)
        #expect(android["urgency"] as? String == "HIGH")
    }

    @Test("tokens that cannot be Huawei tokens are refused by validate")
    func tokenFormat() {
        #expect(HuaweiAdapter.tokenProblem("") != nil)
        #expect(HuaweiAdapter.tokenProblem("has space") != nil)
        #expect(HuaweiAdapter.tokenProblem(String(repeating: "a", count: 513)) != nil)
        #expect(HuaweiAdapter.tokenProblem("0866ABCDEF_-:") == nil)
    }
}
