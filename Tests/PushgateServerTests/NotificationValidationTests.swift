import Foundation
import Hummingbird
import HummingbirdTesting
import PushgateCore
import Testing

@testable import PushgateServer

/// Bad requests get the right problem document and change nothing (ARCHITECTURE rule 10).
@Suite("POST /v1/notifications rejects", .timeLimit(.minutes(2)))
struct NotificationValidationTests {
    /// Runs `body` against the router, then checks nothing was stored.
    private func rejecting(
        limits: APILimits = .init(),
        _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await APIHarness.with(limits: limits) { harness in
            try await harness.application().test(.router) { client in
                try await body(client)
            }
            #expect(try await harness.storedDeliveries() == 0)
        }
    }

    @Test("missing, malformed or unknown API key → 401 with WWW-Authenticate: Bearer")
    func unauthorized() async throws {
        try await self.rejecting { client in
            let body = APIHarness.body(tokens: [APNSSimulatorFixture.token()])
            for key in [nil, "wrong-key", ""] as [String?] {
                let response = try await client.post(body, key: key)
                try response.expectProblem("unauthorized", status: 401)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            // Not Bearer, or the key in another scheme.
            var headers: HTTPFields = [.authorization: "Basic \(APIHarness.keyA)"]
            let basic = try await client.execute(
                uri: "/v1/notifications", method: .post, headers: headers, body: ByteBuffer(string: body))
            try basic.expectProblem("unauthorized", status: 401)
            // The scheme is case-insensitive.
            headers[.authorization] = "bearer \(APIHarness.keyA)"
            let lowercase = try await client.execute(
                uri: "/v1/notifications", method: .post, headers: headers, body: ByteBuffer(string: "{"))
            try lowercase.expectProblem("malformed-json", status: 400)
            // Every route under /v1 needs the key.
            try await client.send(.get, "/v1/notifications/\(UUID().uuidString)", key: nil).expectProblem(
                "unauthorized", status: 401)
            try await client.send(.delete, "/v1/notifications/\(UUID().uuidString)", key: "x").expectProblem(
                "unauthorized", status: 401)
            try await client.send(.get, "/v1/invalid-tokens", key: nil).expectProblem("unauthorized", status: 401)
        }
    }

    @Test(
        "bad JSON → 400 malformed-json",
        arguments: [
            "", "{", "not json", #"{"targets": [}"#, #"{"a":1,"a":2}"#, "[1,2,]", #"{"title":"\ud800"}"#, "{} {}",
        ])
    func malformedJSON(_ body: String) async throws {
        try await self.rejecting { client in
            let document = try await client.post(body).expectProblem("malformed-json", status: 400)
            #expect(document["request_id"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("invalid UTF-8 → 400 malformed-json")
    func invalidUTF8() async throws {
        try await self.rejecting { client in
            var buffer = ByteBuffer(string: #"{"notification":{"title":""#)
            buffer.writeBytes([0xC3, 0x28])
            buffer.writeString(#""},"targets":[]}"#)
            let response = try await client.execute(
                uri: "/v1/notifications", method: .post, headers: [.authorization: "Bearer \(APIHarness.keyA)"],
                body: buffer)
            try response.expectProblem("malformed-json", status: 400)
        }
    }

    @Test("missing, empty or mistyped targets → 422 naming targets")
    func missingTargets() async throws {
        try await self.rejecting { client in
            for body in [
                #"{"notification":{"title":"x"}}"#,
                #"{"notification":{"title":"x"},"targets":[]}"#,
                #"{"notification":{"title":"x"},"targets":{"vendor":"apns"}}"#,
            ] {
                let document = try await client.post(body).expectProblem("validation-failed", status: 422)
                #expect(document.errorFields == ["targets"])
            }
        }
    }

    @Test("1001 targets → 422 too-many-targets")
    func tooManyTargets() async throws {
        try await self.rejecting { client in
            let tokens = (0..<1001).map { _ in APNSSimulatorFixture.token() }
            let document = try await client.post(APIHarness.body(tokens: tokens)).expectProblem(
                "too-many-targets", status: 422)
            #expect(document.errorFields == ["targets"])
            #expect(document["detail"]?.stringValue?.contains("1000") == true)
        }
    }

    @Test("exactly 1000 targets are accepted")
    func thousandTargets() async throws {
        try await APIHarness.with { harness in
            try await harness.application().test(.router) { client in
                let tokens = (0..<1000).map { _ in APNSSimulatorFixture.token() }
                let response = try await client.post(APIHarness.body(tokens: tokens))
                #expect(response.status == .accepted)
                #expect(try response.json()["deliveries"]?.arrayValue?.count == 1000)
            }
            #expect(try await harness.storedDeliveries() == 1000)
        }
    }

    @Test("a malformed token → 422 naming targets[i].token, and nothing of the valid ones is stored")
    func malformedToken() async throws {
        try await self.rejecting { client in
            let tokens = [
                APNSSimulatorFixture.token(), APNSSimulatorFixture.token(), APNSSimulatorFixture.token(), "not-a-token",
            ]
            let document = try await client.post(APIHarness.body(tokens: tokens)).expectProblem(
                "validation-failed", status: 422)
            #expect(document.errorFields == ["targets[3].token"])
            let detail = try #require(document["errors"]?[0]?["detail"]?.stringValue)
            #expect(detail.contains("MalformedToken"))
            #expect(!detail.contains("not-a-token"))  // Tokens are not echoed.
        }
    }

    @Test("every bad target is reported, each once")
    func severalBadTargets() async throws {
        try await self.rejecting { client in
            let body =
                #"{"notification":{"title":"x"},"targets":[{"vendor":"apns","token":"zz"},{"vendor":"apns"},{"token":"ab"},{"vendor":"apns","token":"\#(APNSSimulatorFixture.token())","environment":"staging","extra":1},"x"]}"#
            let document = try await client.post(body).expectProblem("validation-failed", status: 422)
            // Shape errors first; the vendor's token check runs only once the shape is right.
            #expect(
                Set(document.errorFields) == [
                    "targets[1].token", "targets[2].vendor", "targets[3].environment", "targets[3].extra", "targets[4]",
                ])
        }
    }

    @Test("a 5 KB alert → 422 payload too large, naming notification")
    func payloadTooLarge() async throws {
        try await self.rejecting { client in
            let big = String(repeating: "x", count: 5 * 1024)
            let body = APIHarness.body(
                tokens: [APNSSimulatorFixture.token(), APNSSimulatorFixture.token()],
                notification: #"{"body":"\#(big)"}"#)
            let document = try await client.post(body).expectProblem("validation-failed", status: 422)
            // Reported once, not once per target.
            #expect(document.errorFields == ["notification"])
            #expect(document["errors"]?[0]?["detail"]?.stringValue?.contains("PayloadTooLarge") == true)
        }
    }

    @Test("a vendor the app has no credentials for → 422 naming targets[i].vendor")
    func unconfiguredVendor() async throws {
        try await self.rejecting { client in
            let body =
                #"{"notification":{"title":"x"},"targets":[{"vendor":"apns","token":"\#(APNSSimulatorFixture.token())"},{"vendor":"huawei","token":"abc"}]}"#
            let document = try await client.post(body).expectProblem("validation-failed", status: 422)
            #expect(document.errorFields == ["targets[1].vendor"])
            #expect(document["errors"]?[0]?["detail"]?.stringValue?.contains("huawei") == true)
        }
    }

    @Test("unknown keys at the top level, in notification, options and targets → 422 naming each")
    func unknownKeys() async throws {
        try await self.rejecting { client in
            let body =
                #"{"notification":{"title":"x","colour":"red"},"options":{"colapse_key":"a"},"targets":[{"vendor":"apns","token":"\#(APNSSimulatorFixture.token())"}],"priority":"high"}"#
            let document = try await client.post(body).expectProblem("validation-failed", status: 422)
            #expect(Set(document.errorFields) == ["priority", "notification.colour", "options.colapse_key"])
        }
    }

    @Test(
        "wrong types and values → 422 naming the field",
        arguments: [
            (#"{"title":5}"#, nil, "notification.title"),
            (#"{"badge":-1}"#, nil, "notification.badge"),
            (#"{"badge":1.5}"#, nil, "notification.badge"),
            (#"{"sound":{"critical":true}}"#, nil, "notification.sound.name"),
            (#"{"sound":7}"#, nil, "notification.sound"),
            (#"{"data":[1]}"#, nil, "notification.data"),
            (#"{"mutable_content":"yes"}"#, nil, "notification.mutable_content"),
            (#"{"interruption_level":"loud"}"#, nil, "notification.interruption_level"),
            (#"{"relevance_score":2}"#, nil, "notification.relevance_score"),
            (#"{"title":"x"}"#, #"{"priority":"urgent"}"#, "options.priority"),
            (#"{"title":"x"}"#, #"{"ttl":-5}"#, "options.ttl"),
            (#"{"title":"x"}"#, #"{"ttl":"60"}"#, "options.ttl"),
            (#"{"title":"x"}"#, #"{"expiration":"tomorrow"}"#, "options.expiration"),
            (#"{"title":"x"}"#, #"{"expiration":"2001-01-01T00:00:00Z"}"#, "options.expiration"),
            (#"{"title":"x"}"#, #"{"ttl":5,"expiration":4102444800}"#, "options"),
            // Further than a year away: refused, not an overflow in the store (found by schemathesis).
            (#"{"title":"x"}"#, #"{"expiration":"9999-12-31T23:59:59Z"}"#, "options.expiration"),
            (#"{"title":"x"}"#, #"{"expiration":4611686018427387904}"#, "options.expiration"),
            (#"{"title":"x"}"#, #"{"expiration":1e300}"#, "options.expiration"),
            (#"{"title":"x"}"#, #"{"expiration":1000.5}"#, "options.expiration"),
            (#"{"title":"x"}"#, #"{"push_type":"telepathy"}"#, "options.push_type"),
            (#"{"title":"x"}"#, #"{"collapse_key":""}"#, "options.collapse_key"),
            // The adapter's own limits, mapped to the option at fault.
            (#"{"title":"x"}"#, #"{"collapse_key":"\#(String(repeating: "k", count: 65))"}"#, "options.collapse_key"),
            (#"{"content_available":true}"#, #"{"priority":"high"}"#, "options.priority"),
            (#"{"data":{"aps":{}}}"#, nil, "notification"),
        ] as [(String, String?, String)])
    func invalidField(notification: String, options: String?, field: String) async throws {
        try await self.rejecting { client in
            let body = APIHarness.body(
                tokens: [APNSSimulatorFixture.token()], notification: notification, options: options)
            let document = try await client.post(body).expectProblem("validation-failed", status: 422)
            #expect(document.errorFields == [field])
        }
    }

    @Test("a body that is not an object, or without notification → 422")
    func notAnObject() async throws {
        try await self.rejecting { client in
            try await client.post("[]").expectProblem("validation-failed", status: 422)
            let document = try await client.post(
                #"{"targets":[{"vendor":"apns","token":"\#(APNSSimulatorFixture.token())"}]}"#
            )
            .expectProblem("validation-failed", status: 422)
            #expect(document.errorFields == ["notification"])
        }
    }

    @Test("a body over max_request_bytes → 413 over real HTTP, declared or chunked")
    func tooLarge() async throws {
        try await APIHarness.with(limits: APILimits(maxRequestBytes: 16 * 1024)) { harness in
            try await harness.application().test(.live) { client in
                let tokens = (0..<400).map { _ in APNSSimulatorFixture.token() }
                let body = APIHarness.body(tokens: tokens)
                #expect(body.utf8.count > 16 * 1024)
                let document = try await client.post(body).expectProblem("request-too-large", status: 413)
                #expect(document["detail"]?.stringValue?.contains("16384") == true)
            }
            // Without Content-Length (chunked), the limit applies while reading.
            let request = Request(
                head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/notifications"),
                body: RequestBody(buffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 16 * 1024 + 1))
            )
            await #expect(throws: ProblemDocument.self) {
                _ = try await NotificationRoutes.readBody(request, limit: 16 * 1024)
            }
            let fits = Request(
                head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/notifications"),
                body: RequestBody(buffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 16 * 1024))
            )
            #expect(try await NotificationRoutes.readBody(fits, limit: 16 * 1024).count == 16 * 1024)
            #expect(try await harness.storedDeliveries() == 0)
        }
    }

    @Test("unknown routes get a problem document too")
    func unknownRoute() async throws {
        try await self.rejecting { client in
            try await client.send(.get, "/v2/whatever").expectProblem("not-found", status: 404)
            // A known path with another method is a 405 (MethodNotAllowedTests).
            try await client.send(.put, "/v1/notifications").expectProblem("method-not-allowed", status: 405)
        }
    }
}
