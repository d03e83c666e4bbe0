import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateCore
import PushgateStore
import Testing

@testable import PushgateServer

@Suite("POST /v1/notifications accepts", .timeLimit(.minutes(2)))
struct NotificationAcceptTests {
    @Test("202 with one delivery id per target, stored and queued, over real HTTP")
    func acceptedEndToEnd() async throws {
        try await APIHarness.with { harness in
            let tokens = [APNSSimulatorFixture.token(), APNSSimulatorFixture.token(), APNSSimulatorFixture.token()]
            let body = APIHarness.body(
                tokens: tokens,
                notification:
                    #"{"title":"Order","body":"Shipped","badge":2,"sound":{"name":"ping.caf","critical":true,"volume":0.5},"data":{"order":42},"thread_id":"orders","interruption_level":"time-sensitive","relevance_score":0.7}"#,
                options: #"{"priority":"high","ttl":600,"collapse_key":"order-42","push_type":"alert"}"#
            )
            try await harness.application().test(.live) { client in
                let response = try await client.post(body)
                #expect(response.status == .accepted)
                #expect(response.headers[.contentType] == "application/json")
                let accepted = try response.json()
                let id = try #require(accepted["id"]?.stringValue)
                #expect(UUID(uuidString: id) != nil)
                #expect(id == id.lowercased())
                #expect(accepted["status_url"]?.stringValue == "/v1/notifications/\(id)")
                #expect(response.headers[.location] == "/v1/notifications/\(id)")
                let deliveries = try #require(accepted["deliveries"]?.arrayValue)
                #expect(deliveries.count == 3)
                let deliveryIDs = deliveries.compactMap { $0["id"]?.stringValue }
                #expect(Set(deliveryIDs).count == 3)
                #expect(deliveries.allSatisfy { $0["vendor"]?.stringValue == "apns" })
                #expect(deliveries.allSatisfy { $0["environment"]?.stringValue == "production" })
                #expect(try await harness.storedDeliveries() == 3)

                let status = try await client.send(.get, "/v1/notifications/\(id)")
                #expect(status.status == .ok)
                let document = try status.json()
                #expect(document["id"]?.stringValue == id)
                #expect(document["counts"]?["queued"]?.intValue == 3)
                let states = try #require(document["deliveries"]?.arrayValue)
                #expect(states.map { $0["id"]?.stringValue } == deliveryIDs.map { Optional($0) })
                #expect(states.map { $0["token"]?.stringValue } == tokens.map { Optional($0) })
                for delivery in states {
                    #expect(delivery["state"]?.stringValue == "queued")
                    #expect(delivery["attempts"]?.intValue == 0)
                    #expect(delivery["ambiguous_attempts"]?.intValue == 0)
                    #expect(delivery["last_outcome"] == .null)
                }

                // What was stored is what was asked for.
                let stored = try #require(
                    try await harness.store.notification(id: try response.acceptedID(), appID: "app-a"))
                let notification = stored.notification
                #expect(notification.title == "Order")
                #expect(notification.badge == 2)
                #expect(notification.sound == .init(name: "ping.caf", critical: true, volume: 0.5))
                #expect(notification.data["order"] == .integer(42))
                #expect(notification.threadID == "orders")
                #expect(notification.interruptionLevel == "time-sensitive")
                #expect(notification.relevanceScore == 0.7)
                #expect(notification.priority == .high)
                #expect(notification.timeToLive == 600)
                #expect(notification.collapseKey == "order-42")
                #expect(notification.pushType == .alert)
                let expiresAt = try #require(stored.expiresAt)
                #expect(abs(expiresAt.timeIntervalSince(stored.acceptedAt) - 600) < 0.01)
                #expect(stored.deliveries.map(\.target.token) == tokens)
            }
            // Counted by route pattern, not path.
            let metrics = String(decoding: harness.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"route="POST /v1/notifications",status="202""#))
            #expect(metrics.contains(#"route="GET /v1/notifications/{id}",status="200""#))
            #expect(metrics.contains("pushgate_accepted_deliveries_total 3"))
        }
    }

    @Test("expiration from ttl, expiration (RFC 3339 or unix seconds) or the app's default")
    func expiry() async throws {
        try await APIHarness.with { harness in
            let app = harness.application()
            try await app.test(.router) { client in
                func accept(_ options: String?) async throws -> StoredNotification {
                    let response = try await client.post(
                        APIHarness.body(tokens: [APNSSimulatorFixture.token()], options: options))
                    #expect(response.status == .accepted, "\(response.text)")
                    let id = try response.acceptedID()
                    return try #require(try await harness.store.notification(id: id, appID: "app-a"))
                }
                // The app's default TTL is one hour in the harness.
                let byDefault = try await accept(nil)
                #expect(abs(try #require(byDefault.expiresAt).timeIntervalSince(byDefault.acceptedAt) - 3600) < 0.01)

                let future = Date().addingTimeInterval(7200)
                let rfc3339 = try await accept(#"{"expiration":"\#(RFC3339.format(future))"}"#)
                #expect(abs(try #require(rfc3339.expiresAt).timeIntervalSince(future)) < 0.01)

                let unix = Int(Date().timeIntervalSince1970) + 900
                let unixStored = try await accept(#"{"expiration":\#(unix)}"#)
                #expect(try #require(unixStored.expiresAt).timeIntervalSince1970 == Double(unix))
                // The same seconds written as a JSON number with a zero fraction (an integer to JSON Schema).
                let unixFraction = try await accept(#"{"expiration":\#(unix).0}"#)
                #expect(try #require(unixFraction.expiresAt).timeIntervalSince1970 == Double(unix))

                // ttl 0: now or never, kept on the notification for the adapters.
                let nowOrNever = try await accept(#"{"ttl":0}"#)
                #expect(nowOrNever.notification.timeToLive == 0)
                #expect(nowOrNever.expiresAt == nowOrNever.acceptedAt)
            }
        }
    }

    @Test("sandbox environment and overrides are kept")
    func environmentAndOverrides() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let token = APNSSimulatorFixture.token()
                let body =
                    #"{"notification":{"body":"x"},"overrides":{"apns":{"aps":{"sound":"a.caf"},"custom":1}},"targets":[{"vendor":"apns","token":"\#(token)","environment":"sandbox"}]}"#
                let response = try await client.post(body)
                #expect(response.status == .accepted)
                let accepted = try response.json()
                #expect(accepted["deliveries"]?[0]?["environment"]?.stringValue == "sandbox")
                let id = try response.acceptedID()
                let stored = try #require(try await harness.store.notification(id: id, appID: "app-a"))
                #expect(stored.deliveries.first?.target.environment == .sandbox)
                #expect(stored.notification.overrides[.apns]?["custom"] == .integer(1))
            }
        }
    }
}
