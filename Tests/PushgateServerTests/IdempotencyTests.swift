import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateServer

@Suite("Idempotency-Key", .timeLimit(.minutes(2)))
struct IdempotencyTests {
    @Test("same key and body → the original 202, byte for byte, marked replayed; nothing new stored")
    func replay() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let body = APIHarness.body(tokens: [APNSSimulatorFixture.token(), APNSSimulatorFixture.token()])
                let first = try await client.post(body, idempotencyKey: "order-42-shipped")
                #expect(first.status == .accepted)
                #expect(first.headers[TestHeaders.idempotentReplayed] == nil)
                #expect(try await harness.storedDeliveries() == 2)

                let second = try await client.post(body, idempotencyKey: "order-42-shipped")
                #expect(second.status == .accepted)
                #expect(second.headers[TestHeaders.idempotentReplayed] == "true")
                #expect(second.bytes == first.bytes)
                #expect(second.headers[.location] == first.headers[.location])
                #expect(try await harness.storedDeliveries() == 2)

                // The draft's Structured Field form names the same key.
                let quoted = try await client.post(body, idempotencyKey: #""order-42-shipped""#)
                #expect(quoted.headers[TestHeaders.idempotentReplayed] == "true")
                #expect(quoted.bytes == first.bytes)

                // Keys are scoped per app: app-b's same key is a new request.
                let otherApp = try await client.post(body, key: APIHarness.keyB, idempotencyKey: "order-42-shipped")
                #expect(otherApp.status == .accepted)
                #expect(otherApp.headers[TestHeaders.idempotentReplayed] == nil)
                #expect(otherApp.bytes != first.bytes)
                #expect(try await harness.storedDeliveries() == 4)

                // Without a key, the same body is a new notification.
                let unkeyed = try await client.post(body)
                #expect(unkeyed.status == .accepted)
                #expect(try await harness.storedDeliveries() == 6)
            }
        }
    }

    @Test("a retry after the notification's expiration passed → the original 202, not a 422")
    func replayAfterExpiration() async throws {
        let clock = MovableClock()
        try await APIHarness.with(clock: clock.wallClock) { harness in
            try await harness.application().test(.router) { client in
                let expiration = Int(clock.now.timeIntervalSince1970) + 3
                let body = APIHarness.body(
                    tokens: [APNSSimulatorFixture.token()], options: #"{"expiration":\#(expiration)}"#)
                let first = try await client.post(body, idempotencyKey: "retry-after-timeout")
                #expect(first.status == .accepted)

                clock.advance(by: 5)
                let retry = try await client.post(body, idempotencyKey: "retry-after-timeout")
                #expect(retry.status == .accepted)
                #expect(retry.headers[TestHeaders.idempotentReplayed] == "true")
                #expect(retry.bytes == first.bytes)
                // The same request without the key no longer validates: the replay came first.
                try await client.post(body).expectProblem("validation-failed", status: 422)
                #expect(try await harness.storedDeliveries() == 1)
            }
        }
    }

    @Test("a retry after the app's vendor adapter was removed → the original 202")
    func replayAfterAdapterRemoved() async throws {
        try await APIHarness.with { harness in
            let body = APIHarness.body(tokens: [APNSSimulatorFixture.token()])
            let first = try await harness.application().test(.router) { client in
                try await client.post(body, idempotencyKey: "before-the-change")
            }
            #expect(first.status == .accepted)
            try await harness.applicationWithoutAdapters().test(.router) { client in
                let retry = try await client.post(body, idempotencyKey: "before-the-change")
                #expect(retry.status == .accepted)
                #expect(retry.headers[TestHeaders.idempotentReplayed] == "true")
                #expect(retry.bytes == first.bytes)
                try await client.post(body).expectProblem("validation-failed", status: 422)
                // A different body under the key is still refused, before validation too.
                let other = APIHarness.body(tokens: [APNSSimulatorFixture.token()])
                try await client.post(other, idempotencyKey: "before-the-change")
                    .expectProblem("idempotency-key-reused", status: 422)
            }
        }
    }

    @Test("the window is exact: a retry at its last second replays, one second past it is new")
    func windowBoundary() async throws {
        let clock = MovableClock()
        var limits = APILimits()
        limits.idempotencyWindow = .seconds(60)
        try await APIHarness.with(limits: limits, clock: clock.wallClock) { harness in
            try await harness.application().test(.router) { client in
                let body = APIHarness.body(tokens: [APNSSimulatorFixture.token()])
                let first = try await client.post(body, idempotencyKey: "windowed")
                #expect(first.status == .accepted)

                clock.advance(by: 60)
                let atTheEdge = try await client.post(body, idempotencyKey: "windowed")
                #expect(atTheEdge.headers[TestHeaders.idempotentReplayed] == "true")
                #expect(atTheEdge.bytes == first.bytes)

                clock.advance(by: 1)
                let past = try await client.post(body, idempotencyKey: "windowed")
                #expect(past.status == .accepted)
                #expect(past.headers[TestHeaders.idempotentReplayed] == nil)
                #expect(past.bytes != first.bytes)
                #expect(try await harness.storedDeliveries() == 2)

                // The new request now owns the key: its retry replays it, not the first one.
                let retry = try await client.post(body, idempotencyKey: "windowed")
                #expect(retry.bytes == past.bytes)
                #expect(try await harness.storedDeliveries() == 2)
            }
        }
    }

    @Test("same key with a different body → 422 idempotency-key-reused, nothing stored")
    func reuseWithDifferentBody() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let token = APNSSimulatorFixture.token()
                let first = try await client.post(APIHarness.body(tokens: [token]), idempotencyKey: "k-1")
                #expect(first.status == .accepted)
                // Byte-exact fingerprint: even a different spacing is a different request.
                let changed = try await client.post(
                    APIHarness.body(tokens: [token], notification: #"{"title":"Hello", "body":"World"}"#),
                    idempotencyKey: "k-1")
                try changed.expectProblem("idempotency-key-reused", status: 422)
                #expect(try await harness.storedDeliveries() == 1)
            }
        }
    }

    @Test(
        "a key that is empty, too long or not printable ASCII → 400",
        arguments: [
            "", String(repeating: "k", count: 256), "clé", "tab\there", #""unterminated"#, #""bad\escape""#,
        ])
    func invalidKey(_ key: String) async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let response = try await client.post(
                    APIHarness.body(tokens: [APNSSimulatorFixture.token()]), idempotencyKey: key)
                try response.expectProblem("invalid-idempotency-key", status: 400)
            }
            #expect(try await harness.storedDeliveries() == 0)
        }
    }

    @Test("255 printable ASCII characters is a valid key")
    func longestKey() throws {
        let key = String(repeating: "~", count: 255)
        #expect(IdempotencyKey(header: key)?.value == key)
        #expect(IdempotencyKey(header: #""a\"b\\c""#)?.value == #"a"b\c"#)
        #expect(IdempotencyKey(header: " spaced ")?.value == "spaced")
    }

    @Test("the in-flight guard holds one request per app and key until it ends")
    func inFlightGuard() {
        let guardSet = IdempotencyGuard()
        #expect(guardSet.begin(app: "a", key: "k"))
        #expect(!guardSet.begin(app: "a", key: "k"))
        #expect(guardSet.begin(app: "b", key: "k"))
        #expect(guardSet.begin(app: "a", key: "other"))
        guardSet.end(app: "a", key: "k")
        #expect(guardSet.begin(app: "a", key: "k"))
        guardSet.end(app: "a", key: "k")
        guardSet.end(app: "b", key: "k")
        guardSet.end(app: "a", key: "other")
        #expect(guardSet.count == 0)
    }

    @Test("the guard is released when a request fails validation, so a corrected retry works")
    func releasedAfterFailure() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let bad = try await client.post(APIHarness.body(tokens: ["nope"]), idempotencyKey: "retry-me")
                try bad.expectProblem("validation-failed", status: 422)
                let good = try await client.post(
                    APIHarness.body(tokens: [APNSSimulatorFixture.token()]), idempotencyKey: "retry-me")
                #expect(good.status == .accepted)
            }
        }
    }

    @Test("concurrent requests with one key over real HTTP: 202 once, then replays or 409, one notification stored")
    func concurrentRequests() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.live) { client in
                let port = try #require(client.port)
                // Many targets: validation takes a while, so requests overlap the first one.
                let body = APIHarness.body(tokens: (0..<300).map { _ in APNSSimulatorFixture.token() })
                let headers: HTTPFields = [
                    .authorization: "Bearer \(APIHarness.keyA)",
                    .contentType: "application/json",
                    TestHeaders.idempotencyKey: "burst-1",
                ]
                let clients = (0..<20).map { _ in TestClient(host: "127.0.0.1", port: port) }
                for client in clients { client.connect() }
                for client in clients { _ = try await client.getChannel() }

                let responses = try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
                    for client in clients {
                        group.addTask {
                            try await client.execute(
                                .init(
                                    "/v1/notifications", method: .post, headers: headers, body: ByteBuffer(string: body)
                                ))
                        }
                    }
                    var responses: [TestClient.Response] = []
                    for try await response in group { responses.append(response) }
                    return responses
                }
                for client in clients { try await client.shutdown() }

                var originals: [[UInt8]] = []
                var replays: [[UInt8]] = []
                var conflicts = 0
                for response in responses {
                    let bytes = response.body.map { Array($0.readableBytesView) } ?? []
                    switch (response.status.code, response.headers[TestHeaders.idempotentReplayed]) {
                    case (202, nil): originals.append(bytes)
                    case (202, "true"): replays.append(bytes)
                    case (409, nil):
                        conflicts += 1
                        let document = try JSONParser.parse(bytes)
                        #expect(
                            document["type"]?.stringValue
                                == "https://pushgate.dev/problems/idempotency-request-in-progress")
                    default:
                        Issue.record(
                            "unexpected response \(response.status.code): \(String(decoding: bytes, as: UTF8.self))")
                    }
                }
                #expect(originals.count == 1)
                #expect(replays.allSatisfy { $0 == originals.first })
                #expect(originals.count + replays.count + conflicts == 20)
                #expect(try await harness.storedDeliveries() == 300)

                // Once the first has finished, the key replays.
                let after = try await client.execute(
                    uri: "/v1/notifications", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(after.status == .accepted)
                #expect(after.headers[TestHeaders.idempotentReplayed] == "true")
                #expect(after.bytes == originals.first)
                #expect(try await harness.storedDeliveries() == 300)
            }
        }
    }
}
