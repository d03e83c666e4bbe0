import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateCore
import PushgateStore
import Testing

@testable import PushgateServer

/// `POST /v1/notifications:batch` over real HTTP on a real SQLite store: one result per item,
/// items standing alone, per-item idempotency keys, and the request-level refusals.
@Suite("POST /v1/notifications:batch", .timeLimit(.minutes(2)))
struct BatchNotificationTests {
    static let path = "/v1/notifications:batch"

    /// One item: a notification to `tokens`, with `extra` members (an idempotency key) spliced in.
    static func item(tokens: [String], title: String = "Hello", extra: String = "") -> String {
        let targets = tokens.map { #"{"vendor":"apns","token":"\#($0)"}"# }.joined(separator: ",")
        return #"{"notification":{"title":"\#(title)","body":"World"},"targets":[\#(targets)]\#(extra)}"#
    }

    static func batch(_ items: [String]) -> String {
        #"{"notifications":[\#(items.joined(separator: ","))]}"#
    }

    @Test("every item accepted: 200, one 202 result per item in order, each stored")
    func allAccepted() async throws {
        try await APIHarness.with { harness in
            let items = (0..<25).map { index in
                Self.item(tokens: [APNSSimulatorFixture.token(), APNSSimulatorFixture.token()], title: "n\(index)")
            }
            try await harness.application().test(.live) { client in
                let response = try await client.send(.post, Self.path, body: Self.batch(items))
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let results = try #require(try response.json()["results"]?.arrayValue)
                #expect(results.count == 25)
                for (index, result) in results.enumerated() {
                    #expect(result["status"]?.intValue == 202)
                    let id = try #require(result["result"]?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
                    #expect(result["result"]?["deliveries"]?.arrayValue?.count == 2)
                    let stored = try #require(try await harness.store.notification(id: id, appID: "app-a"))
                    #expect(stored.notification.title == "n\(index)", "results are in the order of the items")
                }
                #expect(try await harness.storedDeliveries() == 50)
            }
        }
    }

    @Test("partial validation failure: the bad items get their problems, the good ones are stored")
    func partialFailure() async throws {
        try await APIHarness.with { harness in
            let items = [
                Self.item(tokens: [APNSSimulatorFixture.token()]),
                Self.item(tokens: ["not-a-token"]),
                #"{"notification":{"title":"x"},"targets":[{"vendor":"apns","token":"\#(APNSSimulatorFixture.token())"}],"colour":"red"}"#,
                #""just a string""#,
                Self.item(tokens: (0..<1001).map { _ in APNSSimulatorFixture.token() }),
                Self.item(tokens: [APNSSimulatorFixture.token()], extra: ",\"idempotency_key\":\"\""),
                Self.item(tokens: [APNSSimulatorFixture.token()]),
            ]
            try await harness.application().test(.live) { client in
                let response = try await client.send(.post, Self.path, body: Self.batch(items))
                #expect(response.status == .ok)
                let results = try #require(try response.json()["results"]?.arrayValue)
                #expect(results.map { $0["status"]?.intValue } == [202, 422, 422, 422, 422, 400, 202])
                #expect(results[1]["problem"]?["errors"]?[0]?["field"]?.stringValue == "targets[0].token")
                #expect(results[2]["problem"]?["errors"]?[0]?["field"]?.stringValue == "colour")
                #expect(results[3]["problem"]?["errors"]?[0]?["field"]?.stringValue == "(body)")
                #expect(results[4]["problem"]?["type"]?.stringValue == ProblemDocument.Kind.tooManyTargets.typeURI)
                #expect(
                    results[5]["problem"]?["type"]?.stringValue == ProblemDocument.Kind.invalidIdempotencyKey.typeURI)
                #expect(results[1]["result"] == nil)
                #expect(try await harness.storedDeliveries() == 2, "only the two valid items are stored")
            }
        }
    }

    @Test(
        "per-item idempotency: a retried batch replays each keyed item, stores the unkeyed again, refuses a changed one"
    )
    func perItemIdempotency() async throws {
        try await APIHarness.with { harness in
            let token = APNSSimulatorFixture.token()
            let keyed = Self.item(tokens: [token], extra: #","idempotency_key":"order-1""#)
            // The same item with its keys in another order: the same request.
            let reordered =
                #"{"idempotency_key":"order-1","targets":[{"token":"\#(token)","vendor":"apns"}],"notification":{"body":"World","title":"Hello"}}"#
            let changed = Self.item(tokens: [token], title: "Changed", extra: #","idempotency_key":"order-2""#)
            let unkeyed = Self.item(tokens: [APNSSimulatorFixture.token()])
            try await harness.application().test(.live) { client in
                let first = try await client.send(
                    .post, Self.path,
                    body: Self.batch([
                        keyed, Self.item(tokens: [token], extra: #","idempotency_key":"order-2""#), unkeyed,
                    ]))
                let firstResults = try #require(try first.json()["results"]?.arrayValue)
                #expect(firstResults.map { $0["status"]?.intValue } == [202, 202, 202])
                #expect(try await harness.storedDeliveries() == 3)

                let retry = try await client.send(.post, Self.path, body: Self.batch([reordered, changed, unkeyed]))
                let retryResults = try #require(try retry.json()["results"]?.arrayValue)
                #expect(retryResults.map { $0["status"]?.intValue } == [202, 422, 202])
                #expect(retryResults[0]["replayed"] == .bool(true))
                #expect(retryResults[0]["result"] == firstResults[0]["result"], "the stored 202, unchanged")
                #expect(
                    retryResults[1]["problem"]?["type"]?.stringValue
                        == ProblemDocument.Kind.idempotencyKeyReused.typeURI)
                #expect(retryResults[2]["replayed"] == nil, "without a key, a retry is a new notification")
                #expect(try await harness.storedDeliveries() == 4)

                // An item's key and the header of a single request are one key space.
                try await client.post(APIHarness.body(tokens: [token]), idempotencyKey: "order-1")
                    .expectProblem("idempotency-key-reused", status: 422)
            }
        }
    }

    @Test("the request fails as a whole only for its key, size, syntax or shape")
    func requestLevelRefusals() async throws {
        try await APIHarness.with { harness in
            let item = Self.item(tokens: [APNSSimulatorFixture.token()])
            try await harness.application().test(.live) { client in
                try await client.send(.post, Self.path, key: nil, body: Self.batch([item]))
                    .expectProblem("unauthorized", status: 401)
                try await client.send(.post, Self.path, body: "{\"notifications\":[")
                    .expectProblem("malformed-json", status: 400)
                try await client.send(.post, Self.path, body: "[]").expectProblem("validation-failed", status: 422)
                try await client.send(.post, Self.path, body: #"{"notifications":{}}"#)
                    .expectProblem("validation-failed", status: 422)
                try await client.send(.post, Self.path, body: #"{"notifications":[],"extra":1}"#)
                    .expectProblem("validation-failed", status: 422)
                try await client.send(.post, Self.path, body: Self.batch([]))
                    .expectProblem("too-many-items", status: 422)
                try await client.send(.post, Self.path, body: Self.batch(Array(repeating: item, count: 501)))
                    .expectProblem("too-many-items", status: 422)
                try await client.send(.post, Self.path, idempotencyKey: "k", body: Self.batch([item]))
                    .expectProblem("invalid-idempotency-key", status: 400)
                #expect(try await harness.storedDeliveries() == 0)
            }
            var limited = harness.api
            limited.limits.maxBatchRequestBytes = 4096
            let application = Application(
                router: GatewayAPI.makeRouter(context: limited),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                logger: APIHarness.quietLogger)
            try await application.test(.live) { client in
                let items = Array(repeating: item, count: 40)
                try await client.send(.post, Self.path, body: Self.batch(items))
                    .expectProblem("request-too-large", status: 413)
                #expect(try await harness.storedDeliveries() == 0)
            }
        }
    }

    @Test("500 items of one device each are stored and answered")
    func fullBatch() async throws {
        try await APIHarness.with { harness in
            let items = (0..<500).map { _ in Self.item(tokens: [APNSSimulatorFixture.token()]) }
            try await harness.application().test(.live) { client in
                let response = try await client.send(.post, Self.path, body: Self.batch(items))
                let results = try #require(try response.json()["results"]?.arrayValue)
                #expect(results.count == 500)
                #expect(results.allSatisfy { $0["status"]?.intValue == 202 })
                #expect(Set(results.compactMap { $0["result"]?["id"]?.stringValue }).count == 500)
                #expect(try await harness.storedDeliveries() == 500)
            }
        }
    }
}
