import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateCore
import PushgateStore
import PushgateTestSupport
import Testing

@testable import PushgateServer

@Suite("Retention through the API", .timeLimit(.minutes(2)))
struct StoreRetentionTests {
    @Test("a finished notification is gone after its retention; live ones and fresh keys stay")
    func finishedNotificationsAreDeleted() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let finished = try await client.post(
                    APIHarness.body(tokens: [APNSSimulatorFixture.token()]), idempotencyKey: "old-key"
                ).acceptedID()
                let leased = try await harness.store.leaseDue(
                    limit: 10, owner: "t", now: Date(), leaseDuration: .seconds(60))
                try #require(leased.count == 1)
                _ = try await harness.store.record(
                    [
                        DeliveryUpdate(
                            deliveryID: leased[0].id, state: .delivered, lastOutcome: .init(kind: "x", at: Date()))
                    ],
                    owner: "t")
                let live = try await client.post(APIHarness.body(tokens: [APNSSimulatorFixture.token()])).acceptedID()

                let clock = MovableClock()
                clock.advance(by: 10)
                let retention = StoreRetention(
                    store: harness.store,
                    settings: .init(
                        idempotencyWindow: .seconds(5), notifications: .seconds(5), invalidTokens: .seconds(5),
                        every: .seconds(60)),
                    clock: clock.wallClock,
                    logger: APIHarness.quietLogger)
                let deleted = try await retention.pass()
                #expect(deleted.notifications == 1)
                #expect(deleted.keys == 1)

                let gone = try await client.send(.get, "/v1/notifications/\(finished.lowercasedString)")
                try gone.expectProblem("not-found", status: 404)
                let kept = try await client.send(.get, "/v1/notifications/\(live.lowercasedString)")
                #expect(kept.status == .ok)
                #expect(try await retention.pass().notifications == 0, "nothing twice")
            }
        }
    }
}
