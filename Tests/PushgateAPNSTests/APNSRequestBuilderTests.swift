import Foundation
import NIOCore
import PushgateCore
import Testing

@testable import PushgateAPNS

@Suite struct APNSRequestBuilderTests {
    let builder = APNSRequestBuilder(bundleID: "com.example.app")
    let token = String(repeating: "0a", count: 32)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func delivery(_ notification: PushgateCore.Notification, token: String? = nil, expiresAt: Date? = nil) -> Delivery {
        Delivery(
            notification: notification,
            target: DeviceTarget(vendor: .apns, token: token ?? self.token),
            expiresAt: expiresAt
        )
    }

    func json(_ request: APNSRequest) throws -> [String: Any] {
        var payload = request.payload
        let bytes = payload.readBytes(length: payload.readableBytes) ?? []
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func buildsAnAlertWithTheDeliveryIdentity() throws {
        let delivery = self.delivery(.init(title: "Hi", body: "There", badge: 2, sound: .default, data: ["order": 42]))
        let request = try self.builder.makeRequest(for: delivery, now: self.now)
        #expect(request.apnsID == delivery.id.uuidString.lowercased())
        // Without a caller's collapse key the delivery id collapses resends (rule 3).
        #expect(request.collapseID == delivery.id.uuidString.lowercased())
        #expect(request.pushType == .alert)
        #expect(request.topic == "com.example.app")
        #expect(request.priority == 10)
        #expect(request.expiration == nil)
        #expect(request.path == "/3/device/" + self.token)
        let object = try self.json(request)
        let aps = try #require(object["aps"] as? [String: Any])
        #expect((aps["alert"] as? [String: Any])?["title"] as? String == "Hi")
        #expect(aps["badge"] as? Int == 2)
        #expect(aps["sound"] as? String == "default")
        #expect(object["order"] as? Int == 42)
    }

    @Test func everyAttemptCarriesTheSameIdentityAndBytes() throws {
        var delivery = self.delivery(.init(body: "x"))
        let first = try self.builder.makeRequest(for: delivery, now: self.now)
        delivery.attempt = 2
        let second = try self.builder.makeRequest(for: delivery, now: self.now)
        #expect(first.apnsID == second.apnsID)
        #expect(first.collapseID == second.collapseID)
        #expect(first.payload == second.payload)
    }

    @Test(arguments: [
        (PushgateCore.Notification.PushType.voip, "com.example.app.voip"),
        (.complication, "com.example.app.complication"),
        (.fileProvider, "com.example.app.pushkit.fileprovider"),
        (.location, "com.example.app.location-query"),
        (.liveActivity, "com.example.app.push-type.liveactivity"),
        (.pushToTalk, "com.example.app.voip-ptt"),
        (.widgets, "com.example.app.push-type.widgets"),
        (.controls, "com.example.app.push-type.controls"),
        (.alert, "com.example.app"),
        (.mdm, "com.example.app"),
    ])
    func topicsCarryThePushTypeSuffix(pushType: PushgateCore.Notification.PushType, topic: String) throws {
        let request = try self.builder.makeRequest(
            for: self.delivery(.init(body: "x", pushType: pushType)), now: self.now)
        #expect(request.topic == topic)
        #expect(pushType.apnsTopic(bundleID: topic) == topic, "a suffix is never added twice")
    }

    @Test func backgroundPushesDefaultToPriorityFiveAndRejectTen() throws {
        let background = try self.builder.makeRequest(for: self.delivery(.init(contentAvailable: true)), now: self.now)
        #expect(background.pushType == .background)
        #expect(background.priority == 5)
        #expect((try self.json(background)["aps"] as? [String: Any])?["content-available"] as? Int == 1)
        #expect(throws: APNSRequestBuilder.Rejection.self) {
            try self.builder.makeRequest(
                for: self.delivery(.init(priority: .high, contentAvailable: true)), now: self.now)
        }
    }

    @Test func payloadLimitsDependOnThePushType() throws {
        let big = String(repeating: "x", count: 4500)
        do {
            _ = try self.builder.makeRequest(for: self.delivery(.init(body: big)), now: self.now)
            Issue.record("a 4.5 KB alert must be rejected before sending")
        } catch {
            #expect(error.outcome == .permanent(reason: .payloadTooLarge))
        }
        let voip = try self.builder.makeRequest(for: self.delivery(.init(body: big, pushType: .voip)), now: self.now)
        #expect(voip.payload.readableBytes > 4096)
        #expect(throws: APNSRequestBuilder.Rejection.self) {
            try self.builder.makeRequest(
                for: self.delivery(.init(body: String(repeating: "x", count: 5200), pushType: .voip)), now: self.now)
        }
    }

    @Test(arguments: ["", "xyz", String(repeating: "g", count: 64), String(repeating: "a", count: 63), "ab cd"])
    func malformedTokensAreInvalidWithoutSending(token: String) {
        do {
            _ = try self.builder.makeRequest(for: self.delivery(.init(body: "x"), token: token), now: self.now)
            Issue.record("token \(token) must be rejected")
        } catch {
            #expect(error.outcome == .invalidToken(reason: .malformedToken, since: nil))
        }
    }

    @Test func uppercaseTokensAreNormalised() throws {
        let request = try self.builder.makeRequest(
            for: self.delivery(.init(body: "x"), token: String(repeating: "AB", count: 32)), now: self.now)
        #expect(request.deviceToken == String(repeating: "ab", count: 32))
    }

    @Test func expirationHeaderFollowsTheDelivery() throws {
        let later = self.now.addingTimeInterval(3600)
        let request = try self.builder.makeRequest(
            for: self.delivery(.init(body: "x"), expiresAt: later), now: self.now)
        #expect(request.expiration == 1_800_003_600)
        let nowOrNever = try self.builder.makeRequest(
            for: self.delivery(.init(body: "x", timeToLive: 0)), now: self.now)
        #expect(nowOrNever.expiration == 0)
        do {
            _ = try self.builder.makeRequest(
                for: self.delivery(.init(body: "x"), expiresAt: self.now.addingTimeInterval(-1)), now: self.now)
            Issue.record("an expired delivery must not be sent")
        } catch {
            #expect(error.outcome == .permanent(reason: .expired))
        }
    }

    /// Intake validates with `validate`, the dispatcher sends with `makeRequest`: a delivery
    /// accepted by one must never be refused by the other, and the refusals must match.
    @Test func validateAgreesWithMakeRequest() {
        let cases: [Delivery] = [
            self.delivery(.init(title: "Hi", body: "There")),
            self.delivery(.init(body: String(repeating: "x", count: 4500))),
            self.delivery(.init(body: String(repeating: "x", count: 4500), pushType: .voip)),
            self.delivery(.init(body: "x"), token: "xyz"),
            self.delivery(.init(body: "x"), expiresAt: self.now.addingTimeInterval(-1)),
            self.delivery(.init(body: "x", collapseKey: String(repeating: "c", count: 65))),
            self.delivery(.init(priority: .high, contentAvailable: true)),
            self.delivery(.init(data: ["aps": 1])),
            self.delivery(.init(data: ["score": .number(.nan)])),
            self.delivery(.init(relevanceScore: .infinity)),
            // Near the 4 KB limit, where the size bound no longer settles it and the payload
            // is written: under, just over, and over only once its quotes are escaped.
            self.delivery(.init(body: String(repeating: "x", count: 3_900))),
            self.delivery(.init(body: String(repeating: "x", count: 4_080))),
            self.delivery(.init(body: String(repeating: "\"", count: 2_040))),
            self.delivery(
                .init(
                    body: "x",
                    overrides: [
                        .apns: .object(["aps": .object(["alert": .string(String(repeating: "y", count: 4_100))])])
                    ]
                )),
        ]
        for delivery in cases {
            var built: APNSRequestBuilder.Rejection?
            do { _ = try self.builder.makeRequest(for: delivery, now: self.now) } catch { built = error }
            var validated: APNSRequestBuilder.Rejection?
            do { try self.builder.validate(delivery, now: self.now) } catch { validated = error }
            #expect(validated == built, "\(delivery.notification)")
        }
    }

    @Test func payloadSizeBoundIsNeverBelowThePayload() throws {
        let notifications: [PushgateCore.Notification] = [
            .init(),
            .init(title: "Hi", body: "There"),
            .init(
                title: "\u{1}\"quoted\"", subtitle: "sub", body: "héllo 😀\n", badge: .min,
                sound: .init(name: "alarm", critical: true, volume: 0.123456789),
                data: ["k": .object(["nested": .array([1, .number(2.5), "x"])])],
                category: "c", threadID: "t", pushType: .background, mutableContent: true, contentAvailable: true,
                interruptionLevel: "time-sensitive", relevanceScore: 0.333333333333,
                overrides: [
                    .apns: .object(["aps": .object(["badge": 9, "sound": "x"]), "extra": .array([true, .null])])
                ]),
        ]
        for notification in notifications {
            let written = try self.builder.encodePayload(notification)
            let bound = try #require(APNSPayload.sizeBound(of: notification))
            #expect(bound >= written.count)
        }
    }

    @Test func longCollapseIDsAreRejected() {
        #expect(throws: APNSRequestBuilder.Rejection.self) {
            try self.builder.makeRequest(
                for: self.delivery(.init(body: "x", collapseKey: String(repeating: "c", count: 65))), now: self.now)
        }
    }

    @Test func overridesMergeIntoAps() throws {
        let notification = PushgateCore.Notification(
            title: "Score",
            sound: .init(name: "siren.caf", critical: true, volume: 0.8),
            interruptionLevel: "time-sensitive",
            relevanceScore: 0.5,
            overrides: [.apns: .object(["aps": .object(["badge": 9]), "extra": "yes"])]
        )
        let object = try self.json(try self.builder.makeRequest(for: self.delivery(notification), now: self.now))
        let aps = try #require(object["aps"] as? [String: Any])
        #expect(aps["badge"] as? Int == 9)
        #expect(aps["interruption-level"] as? String == "time-sensitive")
        #expect(aps["relevance-score"] as? Double == 0.5)
        let sound = try #require(aps["sound"] as? [String: Any])
        #expect(sound["critical"] as? Int == 1)
        #expect(sound["name"] as? String == "siren.caf")
        #expect(object["extra"] as? String == "yes")
        #expect((aps["alert"] as? [String: Any])?["title"] as? String == "Score")
    }

    @Test func customDataMayNotReplaceAps() {
        #expect(throws: APNSRequestBuilder.Rejection.self) {
            try self.builder.makeRequest(for: self.delivery(.init(body: "x", data: ["aps": 1])), now: self.now)
        }
    }

    @Test func liveActivityFieldsAreWritten() throws {
        var payload = APNSPayload()
        var activity = APNSPayload.LiveActivity(
            event: .update, timestamp: Date(timeIntervalSince1970: 100), contentState: .object(["score": 3]))
        activity.staleDate = Date(timeIntervalSince1970: 200)
        activity.dismissalDate = Date(timeIntervalSince1970: 300)
        payload.liveActivity = activity
        let aps = try #require(payload.jsonObject()["aps"]?.objectValue)
        #expect(aps["event"] == "update")
        #expect(aps["timestamp"] == 100)
        #expect(aps["stale-date"] == 200)
        #expect(aps["dismissal-date"] == 300)
        #expect(aps["content-state"] == .object(["score": 3]))
    }
}
