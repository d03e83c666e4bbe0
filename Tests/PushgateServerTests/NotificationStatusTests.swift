import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateCore
import PushgateStore
import Testing

@testable import PushgateServer

@Suite("GET /v1/notifications/{id}, POST …/cancel and DELETE", .timeLimit(.minutes(2)))
struct NotificationStatusTests {
    /// The two spellings of cancel: `POST …/cancel`, and `DELETE`, kept for older clients.
    enum CancelSpelling: String, CaseIterable, CustomTestStringConvertible {
        case post = "POST /v1/notifications/{id}/cancel"
        case delete = "DELETE /v1/notifications/{id}"

        var testDescription: String { self.rawValue }

        func send(_ client: some TestClientProtocol, id: String, key: String = APIHarness.keyA) async throws
            -> TestResponse
        {
            switch self {
            case .post: try await client.send(.post, "/v1/notifications/\(id)/cancel", key: key)
            case .delete: try await client.send(.delete, "/v1/notifications/\(id)", key: key)
            }
        }
    }

    @Test(
        "cancel turns every queued delivery cancelled and returns the document; twice is harmless; GET still shows it",
        arguments: CancelSpelling.allCases)
    func cancel(spelling: CancelSpelling) async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.live) { client in
                let accepted = try await client.post(
                    APIHarness.body(tokens: [APNSSimulatorFixture.token(), APNSSimulatorFixture.token()]))
                let id = try #require(try accepted.json()["id"]?.stringValue)
                #expect(try await harness.storedDeliveries() == 2)

                let cancelled = try await spelling.send(client, id: id)
                #expect(cancelled.status == .ok)
                let document = try cancelled.json()
                #expect(document["id"]?.stringValue == id)
                #expect(document["counts"] == .object(["cancelled": .integer(2)]))
                let states = document["deliveries"]?.arrayValue?.compactMap { $0["state"]?.stringValue }
                #expect(states == ["cancelled", "cancelled"])
                #expect(try await harness.storedDeliveries() == 0)

                let again = try await spelling.send(client, id: id)
                #expect(again.status == .ok)
                #expect(try again.json()["counts"] == .object(["cancelled": .integer(2)]))

                // Cancelling removes nothing: the notification is still there.
                let shown = try await client.send(.get, "/v1/notifications/\(id)")
                #expect(shown.status == .ok)
                #expect(try shown.json()["deliveries"]?[0]?["state"]?.stringValue == "cancelled")
            }
        }
    }

    @Test("cancel leaves deliveries being sent alone", arguments: CancelSpelling.allCases)
    func cancelSkipsLeased(spelling: CancelSpelling) async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let accepted = try await client.post(APIHarness.body(tokens: [APNSSimulatorFixture.token()]))
                let id = try #require(try accepted.json()["id"]?.stringValue)
                let leased = try await harness.store.leaseDue(
                    limit: 10, owner: "test", now: Date(), leaseDuration: .seconds(60))
                #expect(leased.count == 1)
                let cancelled = try await spelling.send(client, id: id)
                #expect(try cancelled.json()["deliveries"]?[0]?["state"]?.stringValue == "sending")
            }
        }
    }

    @Test("another app's notification, or an unknown id → 404; a malformed id → 400")
    func notFound() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let accepted = try await client.post(APIHarness.body(tokens: [APNSSimulatorFixture.token()]))
                let id = try #require(try accepted.json()["id"]?.stringValue)

                try await client.send(.get, "/v1/notifications/\(id)", key: APIHarness.keyB).expectProblem(
                    "not-found", status: 404)
                for spelling in CancelSpelling.allCases {
                    try await spelling.send(client, id: id, key: APIHarness.keyB).expectProblem(
                        "not-found", status: 404)
                }
                try await client.send(.post, "/v1/notifications/not-a-uuid/cancel").expectProblem(
                    "invalid-parameter", status: 400)
                try await client.send(.get, "/v1/notifications/\(UUID().uuidString)").expectProblem(
                    "not-found", status: 404)
                let malformed = try await client.send(.get, "/v1/notifications/not-a-uuid").expectProblem(
                    "invalid-parameter", status: 400)
                #expect(malformed.errorFields == ["id"])

                // app-b's cancel changed nothing.
                #expect(try await harness.storedDeliveries() == 1)
                // Upper-case ids are the same id.
                let upper = try await client.send(.get, "/v1/notifications/\(id.uppercased())")
                #expect(upper.status == .ok)
            }
        }
    }

    @Test("last_outcome, attempts and next_attempt_at are reported")
    func recordedOutcome() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let accepted = try await client.post(APIHarness.body(tokens: [APNSSimulatorFixture.token()]))
                let id = try #require(try accepted.json()["id"]?.stringValue)
                let leased = try await harness.store.leaseDue(
                    limit: 10, owner: "test", now: Date(), leaseDuration: .seconds(60))
                let delivery = try #require(leased.first)
                let retryAt = Date().addingTimeInterval(30)
                let outcomeAt = Date(timeIntervalSince1970: 1_750_000_000.25)
                let applied = try await harness.store.record(
                    [
                        DeliveryUpdate(
                            deliveryID: delivery.id, state: .queued, wasAmbiguous: true, nextAttemptAt: retryAt,
                            lastOutcome: LastOutcome(kind: "ambiguous", stage: "awaitingResponse", at: outcomeAt))
                    ], owner: "test")
                #expect(applied == 1)

                let document = try await client.send(.get, "/v1/notifications/\(id)").json()
                let state = try #require(document["deliveries"]?[0])
                #expect(state["state"]?.stringValue == "queued")
                #expect(state["attempts"]?.intValue == 1)
                #expect(state["ambiguous_attempts"]?.intValue == 1)
                #expect(
                    state["next_attempt_at"]?.stringValue.flatMap(RFC3339.parse).map {
                        abs($0.timeIntervalSince(retryAt)) < 0.01
                    } == true)
                let outcome = try #require(state["last_outcome"])
                #expect(outcome["kind"]?.stringValue == "ambiguous")
                #expect(outcome["stage"]?.stringValue == "awaitingResponse")
                #expect(outcome["vendor_status"] == .null)
                #expect(outcome["vendor_reason"] == .null)
                #expect(outcome["at"]?.stringValue == "2025-06-15T15:06:40.250Z")
            }
        }
    }
}
