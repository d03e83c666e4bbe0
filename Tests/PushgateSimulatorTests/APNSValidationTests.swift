import Foundation
import Testing

@testable import PushgateSimulator

/// One request spoilt in one way, and the single answer APNs gives for it.
struct ValidationCase: Sendable, CustomTestStringConvertible {
    var name: String
    var method = "POST"
    /// nil: `/3/device/<random valid token>`.
    var path: String?
    var removeHeaders: [String] = []
    var setHeaders: [(String, String)] = []
    /// Added on top (for duplicates).
    var addHeaders: [(String, String)] = []
    var body: String? = #"{"aps":{"alert":"hello"}}"#
    var status: Int
    var reason: String?

    var testDescription: String { self.name }
}

/// A JSON payload of exactly `size` bytes.
func payload(ofSize size: Int) -> String {
    let skeleton = #"{"aps":{"alert":""}}"#
    return #"{"aps":{"alert":""# + String(repeating: "x", count: size - skeleton.utf8.count) + #""}}"#
}

@Suite("APNs simulator request validation, over HTTP/2 with curl")
struct APNSValidationTests {
    static let rejections: [ValidationCase] = [
        ValidationCase(name: "GET", method: "GET", body: nil, status: 405, reason: "MethodNotAllowed"),
        ValidationCase(
            name: "method before path",
            method: "PUT",
            path: "/nowhere",
            status: 405,
            reason: "MethodNotAllowed"
        ),
        ValidationCase(name: "empty device token", path: "/3/device/", status: 400, reason: "MissingDeviceToken"),
        ValidationCase(name: "wrong API version", path: "/2/device/abcd", status: 404, reason: "BadPath"),
        ValidationCase(name: "root path", path: "/", status: 404, reason: "BadPath"),
        ValidationCase(
            name: "repeated apns-topic",
            addHeaders: [("apns-topic", "com.example.other")],
            status: 400,
            reason: "DuplicateHeaders"
        ),
        ValidationCase(
            name: "repeated unknown apns field",
            addHeaders: [("apns-foo", "1"), ("apns-foo", "2")],
            status: 400,
            reason: "DuplicateHeaders"
        ),
        ValidationCase(
            name: "apns-id not a UUID",
            setHeaders: [("apns-id", "1234")],
            status: 400,
            reason: "BadMessageId"
        ),
        ValidationCase(
            name: "apns-id UUID without hyphens",
            setHeaders: [("apns-id", "123e4567e89b12d3a456426614174000")],
            status: 400,
            reason: "BadMessageId"
        ),
        ValidationCase(
            name: "unknown push type",
            setHeaders: [("apns-push-type", "banner")],
            status: 400,
            reason: "InvalidPushType"
        ),
        ValidationCase(name: "priority 7", setHeaders: [("apns-priority", "7")], status: 400, reason: "BadPriority"),
        ValidationCase(
            name: "priority 10 with background",
            setHeaders: [("apns-push-type", "background"), ("apns-priority", "10")],
            body: #"{"aps":{"content-available":1}}"#,
            status: 400,
            reason: "BadPriority"
        ),
        ValidationCase(
            name: "negative expiration",
            setHeaders: [("apns-expiration", "-1")],
            status: 400,
            reason: "BadExpirationDate"
        ),
        ValidationCase(
            name: "expiration not a number",
            setHeaders: [("apns-expiration", "soon")],
            status: 400,
            reason: "BadExpirationDate"
        ),
        ValidationCase(
            name: "collapse id of 65 bytes",
            setHeaders: [("apns-collapse-id", String(repeating: "c", count: 65))],
            status: 400,
            reason: "BadCollapseId"
        ),
        ValidationCase(name: "no topic", removeHeaders: ["apns-topic"], status: 400, reason: "MissingTopic"),
        ValidationCase(
            name: "voip without .voip topic",
            setHeaders: [("apns-push-type", "voip")],
            status: 400,
            reason: "BadTopic"
        ),
        ValidationCase(
            name: "liveactivity with wrong suffix",
            setHeaders: [("apns-push-type", "liveactivity"), ("apns-topic", "com.example.app.voip")],
            status: 400,
            reason: "BadTopic"
        ),
        ValidationCase(
            name: "headers before authentication",
            removeHeaders: ["authorization"],
            setHeaders: [("apns-id", "nope")],
            status: 400,
            reason: "BadMessageId"
        ),
        ValidationCase(
            name: "no authorization",
            removeHeaders: ["authorization"],
            status: 403,
            reason: "MissingProviderToken"
        ),
        ValidationCase(
            name: "basic authorization",
            setHeaders: [("authorization", "basic dXNlcjpwYXNz")],
            status: 403,
            reason: "MissingProviderToken"
        ),
        ValidationCase(
            name: "garbage bearer token",
            setHeaders: [("authorization", "bearer not.a.jwt")],
            status: 403,
            reason: "InvalidProviderToken"
        ),
        ValidationCase(
            name: "authentication before device token",
            path: "/3/device/abc",
            removeHeaders: ["authorization"],
            status: 403,
            reason: "MissingProviderToken"
        ),
        ValidationCase(name: "short device token", path: "/3/device/abcdef", status: 400, reason: "BadDeviceToken"),
        ValidationCase(
            name: "non-hex device token",
            path: "/3/device/" + String(repeating: "z", count: 64),
            status: 400,
            reason: "BadDeviceToken"
        ),
        ValidationCase(
            name: "device token before payload",
            path: "/3/device/abcdef",
            body: "",
            status: 400,
            reason: "BadDeviceToken"
        ),
        ValidationCase(name: "empty body", body: "", status: 400, reason: "PayloadEmpty"),
        ValidationCase(name: "4097-byte alert", body: payload(ofSize: 4097), status: 413, reason: "PayloadTooLarge"),
        ValidationCase(
            name: "5121-byte voip",
            setHeaders: [("apns-push-type", "voip"), ("apns-topic", "com.example.app.voip")],
            body: payload(ofSize: 5121),
            status: 413,
            reason: "PayloadTooLarge"
        ),
        ValidationCase(name: "truncated JSON", body: #"{"aps":{"alert":"hi"}"#, status: 400, reason: "PayloadEmpty"),
        ValidationCase(name: "JSON array", body: #"[{"aps":{}}]"#, status: 400, reason: "PayloadEmpty"),
        ValidationCase(name: "aps not an object", body: #"{"aps":"alert"}"#, status: 400, reason: "PayloadEmpty"),
        ValidationCase(name: "not JSON", body: "hello", status: 400, reason: "PayloadEmpty"),
    ]

    static let acceptances: [ValidationCase] = [
        ValidationCase(name: "plain alert", status: 200),
        ValidationCase(name: "no push type", removeHeaders: ["apns-push-type"], status: 200),
        ValidationCase(
            name: "5120-byte voip",
            setHeaders: [("apns-push-type", "voip"), ("apns-topic", "com.example.app.voip")],
            body: payload(ofSize: 5120),
            status: 200
        ),
        ValidationCase(name: "4096-byte alert", body: payload(ofSize: 4096), status: 200),
        ValidationCase(
            name: "background priority 5",
            setHeaders: [("apns-push-type", "background"), ("apns-priority", "5")],
            body: #"{"aps":{"content-available":1}}"#,
            status: 200
        ),
        ValidationCase(name: "priority 1", setHeaders: [("apns-priority", "1")], status: 200),
        ValidationCase(
            name: "expiration 0 and collapse id of 64 bytes",
            setHeaders: [("apns-expiration", "0"), ("apns-collapse-id", String(repeating: "c", count: 64))],
            status: 200
        ),
        ValidationCase(
            name: "upper-case apns-id",
            setHeaders: [("apns-id", "123E4567-E89B-12D3-A456-426614174000")],
            status: 200
        ),
        ValidationCase(
            name: "upper-case device token",
            path: "/3/device/" + randomDeviceToken().uppercased(),
            status: 200
        ),
        ValidationCase(name: "Wallet-style empty object", body: "{}", status: 200),
        ValidationCase(
            name: "mdm with any topic",
            setHeaders: [("apns-push-type", "mdm"), ("apns-topic", "com.apple.mgmt.External.1234")],
            body: #"{"mdm":"4F4A1B2C"}"#,
            status: 200
        ),
        ValidationCase(
            name: "liveactivity topic",
            setHeaders: [("apns-push-type", "liveactivity"), ("apns-topic", "com.example.app.push-type.liveactivity")],
            body: #"{"aps":{"timestamp":1700000000,"event":"update","content-state":{}}}"#,
            status: 200
        ),
        ValidationCase(
            name: "controls topic",
            setHeaders: [("apns-push-type", "controls"), ("apns-topic", "com.example.app.push-type.controls")],
            status: 200
        ),
        ValidationCase(
            name: "bearer scheme in capitals",
            setHeaders: [("authorization", "")],  // replaced by the test with "Bearer <jwt>"
            status: 200
        ),
    ]

    @Test("Rejected with one reason", arguments: rejections)
    func rejected(_ testCase: ValidationCase) async throws {
        try await SimulatorHarness.with { harness in
            let result = try await harness.send(try Self.request(testCase, harness))
            #expect(result.status == testCase.status, "\(result.stderr)")
            #expect(result.reason == testCase.reason)
            #expect(result.headers["content-type"] == "application/json")
            #expect(result.headers["apns-id"] != nil)
            let counters = harness.simulator.counters()
            #expect(counters.requests == 1)
            #expect(counters.accepted == 0)
            #expect(counters.rejected == [testCase.reason ?? "": 1])
        }
    }

    @Test("Accepted", arguments: acceptances)
    func accepted(_ testCase: ValidationCase) async throws {
        try await SimulatorHarness.with { harness in
            let result = try await harness.send(try Self.request(testCase, harness))
            #expect(result.status == 200, "\(result.body) \(result.stderr)")
            #expect(result.body.isEmpty)
            #expect(harness.simulator.counters().accepted == 1)
        }
    }

    static func request(_ testCase: ValidationCase, _ harness: SimulatorHarness) throws -> Curl.Request {
        var request = try harness.pushRequest(body: testCase.body)
        request.method = testCase.method
        if let path = testCase.path {
            request.url = harness.url(path)
        }
        request.headers.removeAll { testCase.removeHeaders.contains($0.0) }
        for (name, value) in testCase.setHeaders {
            let value = name == "authorization" && value.isEmpty ? "Bearer \(try harness.token())" : value
            if let index = request.headers.firstIndex(where: { $0.0 == name }) {
                request.headers[index].1 = value
            } else {
                request.headers.append((name, value))
            }
        }
        request.headers += testCase.addHeaders
        return request
    }
}
