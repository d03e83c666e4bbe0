import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateServer
@testable import PushgateStore

/// What an API client sees when the store cannot keep up or the disk is full: a 503 problem
/// document with Retry-After, and nothing of the refused request stored.
@Suite("Store backpressure through the API", .timeLimit(.minutes(2)))
struct StoreBackpressureTests {
    @Test("ingest faster than the disk → 503 with Retry-After at once; the queued ones are stored")
    func queueFullAnswers503() async throws {
        var configuration = SQLiteDeliveryStore.Configuration()
        configuration.maxQueuedSubmissions = 10
        try await APIHarness.with(storeConfiguration: configuration) { harness in
            try await harness.application().test(.router) { client in
                let release = await harness.store.blockWriter()
                let refused = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                    for _ in 0..<40 {
                        group.addTask { try await client.post(APIHarness.body(tokens: [APNSSimulatorFixture.token()])) }
                    }
                    var responses: [TestResponse] = []
                    // 30 refusals come back while the writer is still held.
                    for try await response in group {
                        responses.append(response)
                        if responses.count == 30 { release() }
                    }
                    return responses.filter { $0.status == .serviceUnavailable }
                }
                #expect(refused.count == 30)
                for response in refused {
                    let problem = try response.expectProblem("store-unavailable", status: 503)
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(problem["detail"]?.stringValue?.contains("retry shortly") == true)
                }
                #expect(try await harness.storedDeliveries() == 10)
            }
        }
    }

    @Test("a request that waits past the store's deadline → 503, and it is never stored")
    func deadlineAnswers503() async throws {
        var configuration = SQLiteDeliveryStore.Configuration()
        configuration.queueTimeout = .milliseconds(300)
        try await APIHarness.with(storeConfiguration: configuration) { harness in
            try await harness.application().test(.router) { client in
                let release = await harness.store.blockWriter()
                let response = try await client.post(
                    APIHarness.body(tokens: [APNSSimulatorFixture.token()]), idempotencyKey: "stalled")
                try response.expectProblem("store-unavailable", status: 503)
                #expect(response.headers[.retryAfter] == "1")
                release()
                #expect(try await harness.storedDeliveries() == 0)
                // The retry with the same key is a new request, since nothing was stored.
                let retry = try await client.post(
                    APIHarness.body(tokens: [APNSSimulatorFixture.token()]), idempotencyKey: "stalled")
                #expect(retry.status == .accepted)
                #expect(retry.headers[TestHeaders.idempotentReplayed] == nil)
            }
        }
    }

    @Test(
        "a full disk → 503 with Retry-After, then 202 again once space is back; nothing accepted lost",
        .enabled(if: SmallDisk.isAvailable, "mounting a tmpfs needs root"))
    func fullDiskAnswers503ThenRecovers() async throws {
        let disk = try await SmallDisk.mount(megabytes: 6)
        defer { Task { await disk.unmount() } }
        try disk.fill("filler", megabytes: 2)
        try await APIHarness.with(storePath: disk.path("queue.sqlite")) { harness in
            try await harness.application().test(.router) { client in
                var accepted: [UUID] = []
                var full: TestResponse?
                // 500 devices per request, a few hundred KiB stored each: the disk fills quickly.
                for _ in 0..<200 {
                    let response = try await client.post(
                        APIHarness.body(tokens: (0..<500).map { _ in APNSSimulatorFixture.token() }))
                    if response.status == .accepted {
                        accepted.append(try response.acceptedID())
                    } else {
                        full = response
                        break
                    }
                }
                let refusal = try #require(full, "the disk filled up")
                let problem = try refusal.expectProblem("store-unavailable", status: 503)
                #expect(refusal.headers[.retryAfter] == "30")
                #expect(problem["detail"]?.stringValue?.contains("disk is full") == true)
                #expect(accepted.count > 10)

                try FileManager.default.removeItem(atPath: disk.path("filler"))
                let after = try await client.post(APIHarness.body(tokens: [APNSSimulatorFixture.token()]))
                #expect(after.status == .accepted)
                accepted.append(try after.acceptedID())
                for id in accepted {
                    let status = try await client.send(.get, "/v1/notifications/\(id.lowercasedString)")
                    #expect(status.status == .ok)
                }
                #expect(try await harness.storedDeliveries() == (accepted.count - 1) * 500 + 1)
                #expect(try await harness.store.integrityCheck() == ["ok"])
            }
        }
    }
}
