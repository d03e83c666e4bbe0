import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateCore
import PushgateStore
import Testing

@testable import PushgateServer

@Suite("GET /v1/invalid-tokens", .timeLimit(.minutes(2)))
struct InvalidTokenFeedTests {
    /// Accepts one notification for `tokens`, leases its deliveries and records each as an
    /// invalid token, as the dispatcher would after an APNs 410.
    private func reportDead(_ tokens: [String], harness: APIHarness, client: any TestClientProtocol) async throws {
        let accepted = try await client.post(APIHarness.body(tokens: tokens))
        #expect(accepted.status == .accepted)
        let leased = try await harness.store.leaseDue(
            limit: 100, owner: "test", now: Date(), leaseDuration: .seconds(60))
        #expect(leased.count == tokens.count)
        // Record in target order so the feed's order is known.
        let byToken = Dictionary(uniqueKeysWithValues: leased.map { ($0.target.token, $0) })
        for token in tokens {
            let delivery = try #require(byToken[token])
            let applied = try await harness.store.record(
                [
                    DeliveryUpdate(
                        deliveryID: delivery.id,
                        state: .invalidToken,
                        lastOutcome: LastOutcome(
                            kind: "invalid_token", vendorStatus: 410, vendorReason: "Unregistered", at: Date()),
                        invalidToken: InvalidTokenReport(
                            appID: delivery.appID, vendor: .apns, token: token, reason: "Unregistered",
                            since: Date(timeIntervalSince1970: 1_700_000_000))
                    )
                ], owner: "test")
            #expect(applied == 1)
        }
    }

    @Test("pages through the feed with after and limit; next_cursor resumes")
    func paging() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let tokens = (0..<5).map { _ in APNSSimulatorFixture.token() }
                try await self.reportDead(tokens, harness: harness, client: client)

                var seen: [String] = []
                var cursor = 0
                var pages = 0
                while true {
                    let response = try await client.send(.get, "/v1/invalid-tokens?after=\(cursor)&limit=2")
                    #expect(response.status == .ok)
                    let page = try response.json()
                    let entries = try #require(page["tokens"]?.arrayValue)
                    let next = try #require(page["next_cursor"]?.intValue)
                    if entries.isEmpty {
                        #expect(next == cursor)  // An empty page keeps the cursor.
                        break
                    }
                    pages += 1
                    #expect(entries.count <= 2)
                    for entry in entries {
                        #expect(entry["vendor"]?.stringValue == "apns")
                        #expect(entry["reason"]?.stringValue == "Unregistered")
                        #expect(entry["since"]?.stringValue == "2023-11-14T22:13:20.000Z")
                        #expect(entry["reported_at"]?.stringValue.flatMap(RFC3339.parse) != nil)
                        let entryCursor = try #require(entry["cursor"]?.intValue)
                        #expect(entryCursor > cursor)
                        seen.append(try #require(entry["token"]?.stringValue))
                    }
                    #expect(next == entries.last?["cursor"]?.intValue)
                    cursor = next
                }
                #expect(pages == 3)
                #expect(seen == tokens)

                // Default limit, from the start.
                let all = try await client.send(.get, "/v1/invalid-tokens").json()
                #expect(all["tokens"]?.arrayValue?.count == 5)

                // Another app's feed is its own.
                let other = try await client.send(.get, "/v1/invalid-tokens", key: APIHarness.keyB).json()
                #expect(other["tokens"]?.arrayValue?.isEmpty == true)
                #expect(other["next_cursor"]?.intValue == 0)
            }
        }
    }

    @Test(
        "bad after or limit → 400 naming the parameter",
        arguments: [
            ("after=-1", "after"), ("after=abc", "after"), ("limit=0", "limit"), ("limit=1001", "limit"),
            ("limit=x", "limit"),
        ])
    func badParameters(query: String, field: String) async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let document = try await client.send(.get, "/v1/invalid-tokens?\(query)").expectProblem(
                    "invalid-parameter", status: 400)
                #expect(document.errorFields == [field])
            }
        }
    }
}
