import Foundation
import PushgateTestSupport
import Testing

@testable import PushgateSimulator

@Suite("Huawei simulator: OAuth token endpoint, over HTTP/1.1 + TLS with curl", .serialized)
struct HuaweiSimulatorTokenTests {
    @Test("A token request with a +/= secret sent form-encoded gets a Bearer token with + / = in it")
    func grantWithEncodedSecret() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.requestToken(contentType: "application/x-www-form-urlencoded;charset=utf-8")
            #expect(result.httpCode == 200, "\(result)")
            let json = try #require(result.json)
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["expires_in"] as? Int == 3600)
            let token = try #require(json["access_token"] as? String)
            #expect(token.contains("+") && token.contains("/") && token.hasSuffix("="))
            #expect(harness.simulator.counters().tokenGrants == 1)

            // Sent raw, the secret's + decodes to a space: wrong secret.
            let raw = try await harness.curl([
                "--data-binary", "grant_type=client_credentials&client_id=10000001&client_secret=demo+secret/=",
                harness.url("/oauth2/v3/token"),
            ])
            #expect(raw.httpCode == 400)
            #expect(raw.json?["sub_error"] as? Int == 12304)
        }
    }

    struct AuthErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var grantType: String?
        var clientID: String?
        var secret: String?
        var error: Int
        var subError: Int
        var testDescription: String { self.name }
    }

    @Test(
        "Token request errors are HTTP 400 with Huawei's error and sub_error",
        arguments: [
            AuthErrorCase(name: "grant_type password", grantType: "password", error: 1102, subError: 20001),
            AuthErrorCase(name: "grant_type missing", grantType: nil, error: 1102, subError: 20001),
            AuthErrorCase(name: "client_id not digits", clientID: "abc", error: 1101, subError: 20002),
            AuthErrorCase(
                name: "client_id 65 digits", clientID: String(repeating: "1", count: 65), error: 1101, subError: 20002),
            AuthErrorCase(name: "client_id unknown", clientID: "99999", error: 1101, subError: 20003),
            AuthErrorCase(name: "wrong secret", secret: "demo secret/=", error: 1101, subError: 12304),
            AuthErrorCase(name: "secret missing", secret: nil, error: 1101, subError: 12304),
        ]
    )
    func authErrors(_ testCase: AuthErrorCase) async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.requestToken(
                grantType: testCase.grantType ?? (testCase.name == "grant_type missing" ? nil : "client_credentials"),
                clientID: testCase.clientID ?? HuaweiHarness.appID,
                secret: testCase.name == "secret missing" ? nil : testCase.secret ?? HuaweiHarness.secret
            )
            #expect(result.httpCode == 400, "\(result)")
            let json = try #require(result.json, "\(result.body)")
            #expect(json["error"] as? Int == testCase.error)
            #expect(json["sub_error"] as? Int == testCase.subError)
            #expect(json["error_description"] is String)
            let counters = harness.simulator.counters()
            #expect(counters.tokenGrants == 0)
            #expect(counters.tokenGrantRejections == 1)
        }
    }

    @Test("A body that is not form-encoded fails on grant_type")
    func jsonTokenRequest() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.curl([
                "-H", "Content-Type: application/json",
                "--data-binary", #"{"grant_type":"client_credentials","client_id":"10000001"}"#,
                harness.url("/oauth2/v3/token"),
            ])
            #expect(result.httpCode == 400)
            #expect(result.json?["error"] as? Int == 1102)
        }
    }

    @Test("More grants than tokenGrantsPerWindow within the window get 503 flow control")
    func grantRateLimit() async throws {
        try await HuaweiHarness.with {
            $0.tokenGrantsPerWindow = 2
        } _: { (harness) async throws in
            for _ in 0..<2 {
                #expect(try await harness.requestToken().httpCode == 200)
            }
            let limited = try await harness.requestToken()
            #expect(limited.httpCode == 503)
            #expect(limited.json?["error"] as? Int == 1203)
            #expect(limited.json?["access_token"] == nil)
            let counters = harness.simulator.counters()
            #expect(counters.tokenGrants == 2)
            #expect(counters.tokenGrantRejections == 1)
        }
    }

    @Test("The grant window is fixed: after it ends, grants are allowed again")
    func grantWindowEnds() async throws {
        try await HuaweiHarness.with {
            $0.tokenGrantsPerWindow = 1
            $0.tokenGrantWindow = .seconds(2)
        } _: { (harness) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await harness.requestToken().httpCode == 200)
            let second = try await harness.requestToken()
            // Only meaningful while still inside the window (curl can be slow on a loaded machine).
            if clock.now - start < .seconds(2) {
                #expect(second.httpCode == 503)
            }
            // The window started after `start` and before the first answer, so it has ended by then.
            try await Task.sleep(for: .milliseconds(2100))
            #expect(try await harness.requestToken().httpCode == 200)
        }
    }

    @Test("A token older than accessTokenLifetime gets 401 80200003")
    func expiryByLifetime() async throws {
        try await HuaweiHarness.with {
            $0.accessTokenLifetime = .seconds(2)
        } _: { (harness) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            let grant = try await harness.requestToken()
            #expect(grant.json?["expires_in"] as? Int == 2)
            let token = try #require(grant.json?["access_token"] as? String)
            let body = HuaweiBody.notification(tokens: ["tokenA"])
            let fresh = try await harness.send(body, authorization: "Bearer \(token)")
            // Only meaningful while the token is surely young (curl can be slow on a loaded machine).
            if clock.now - start < .seconds(2) {
                #expect(fresh.code == "80000000")
            }
            // The token was issued before the first answer came back, so it is older than 2 s after this.
            try await Task.sleep(for: .milliseconds(2100))
            let expired = try await harness.send(body, authorization: "Bearer \(token)")
            #expect(expired.httpCode == 401)
            #expect(expired.code == "80200003")
            #expect(expired.json?["msg"] as? String == "Oauth Token expired")
            #expect(harness.simulator.counters().rejectedByCode["80200003"] ?? 0 >= 1)
            // A new token works.
            let renewed = try await harness.send(body)
            #expect(renewed.code == "80000000")
        }
    }

    @Test("expireAccessTokens and POST /_sim/expire-tokens expire the tokens issued before, not those after")
    func expireAccessTokens() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let body = HuaweiBody.notification(tokens: ["tokenA"])
            let first = try await harness.accessToken()
            harness.simulator.expireAccessTokens()
            #expect(try await harness.send(body, authorization: "Bearer \(first)").code == "80200003")
            let second = try await harness.accessToken()
            #expect(try await harness.send(body, authorization: "Bearer \(second)").code == "80000000")

            let endpoint = try await harness.curl(["-X", "POST", harness.url("/_sim/expire-tokens")])
            #expect(endpoint.httpCode == 200)
            #expect(try await harness.send(body, authorization: "Bearer \(second)").code == "80200003")
        }
    }

    @Test("Missing, malformed, unknown or other-app bearer tokens get 401 80200001")
    func badBearerTokens() async throws {
        try await HuaweiHarness.with {
            $0.apps["10000002"] = "other"
        } _: { (harness) async throws in
            let token = try await harness.accessToken()
            let other = try await harness.accessToken(clientID: "10000002", secret: "other")
            let body = HuaweiBody.notification(tokens: ["tokenA"])
            for authorization in [
                nil, "bearer \(token)", "Bearer", "Bearer  \(token)", token, "Bearer nope", "Bearer \(other)",
            ] {
                let result = try await harness.send(body, authorization: authorization)
                #expect(result.httpCode == 401, "\(authorization ?? "none")")
                #expect(result.code == "80200001", "\(authorization ?? "none")")
                #expect(result.json?["msg"] as? String == "Oauth authentication error")
            }
            // The other app's token is good for its own app.
            #expect(
                try await harness.send(body, authorization: "Bearer \(other)", appID: "10000002").code == "80000000")
            #expect(harness.simulator.counters().rejectedByCode == ["80200001": 7])
        }
    }
}

@Suite("Huawei simulator: send endpoint, over HTTP/1.1 + TLS with curl", .serialized)
struct HuaweiSimulatorSendTests {
    @Test("A valid multicast is answered 80000000 and every token counted")
    func success() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.send(HuaweiBody.notification(tokens: ["tokenA", "tokenB"]))
            #expect(result.httpCode == 200, "\(result)")
            let json = try #require(result.json)
            #expect(json["code"] as? String == "80000000")
            #expect(json["msg"] as? String == "Success")
            let requestID = try #require(json["requestId"] as? String)
            #expect(requestID.count == 24 && requestID.allSatisfy(\.isNumber))
            let counters = harness.simulator.counters()
            #expect(counters.requests == 1)
            #expect(counters.messagesAccepted == 1)
            #expect(counters.tokensAccepted == 2)
            #expect(counters.acceptedPerToken == ["tokenA": 1, "tokenB": 1])
            #expect(counters.rejectedByCode.isEmpty)
            #expect(counters.unknownFields.isEmpty)
        }
    }

    @Test("Some DEAD tokens: 80100000 with msg a JSON string listing illegal_tokens")
    func partialSuccess() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.send(
                HuaweiBody.notification(tokens: ["tokenA", "DEAD1", "tokenB", "DEAD2"]))
            #expect(result.httpCode == 200)
            #expect(result.code == "80100000")
            let msg = try #require(result.json?["msg"] as? String)
            let inner = try #require(try JSONSerialization.jsonObject(with: Data(msg.utf8)) as? [String: Any])
            #expect(inner["success"] as? Int == 2)
            #expect(inner["failure"] as? Int == 2)
            #expect(inner["illegal_tokens"] as? [String] == ["DEAD1", "DEAD2"])
            let counters = harness.simulator.counters()
            #expect(counters.messagesAccepted == 1)
            #expect(counters.tokensAccepted == 2)
            #expect(counters.acceptedPerToken == ["tokenA": 1, "tokenB": 1])
        }
    }

    @Test("All tokens DEAD: 400 80300007")
    func allInvalid() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.send(HuaweiBody.notification(tokens: ["DEAD1", "DEAD2"]))
            #expect(result.httpCode == 400)
            #expect(result.code == "80300007")
            #expect(result.json?["msg"] as? String == "All the tokens are invalid")
            let counters = harness.simulator.counters()
            #expect(counters.messagesAccepted == 0)
            #expect(counters.tokensAccepted == 0)
            #expect(counters.rejectedByCode == ["80300007": 1])
        }
    }

    struct ValidationCase: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var status: Int
        var code: String
        var testDescription: String { self.name }

        init(_ name: String, _ body: String, _ status: Int, _ code: String) {
            self.name = name
            self.body = body
            self.status = status
            self.code = code
        }

        static func field(_ name: String, android: String = "", notification: String = "", _ code: String)
            -> ValidationCase
        {
            let body = HuaweiBody.notification(
                tokens: ["tokenA"], androidFields: android, notificationFields: notification)
            return ValidationCase(name, body, code == "80000000" ? 200 : 400, code)
        }
    }

    /// `{"message":{"token":["a"],"data":"xxx…"}}` whose compact form without `token` has exactly `bytes` bytes.
    static func dataMessage(bytesWithoutTokens bytes: Int) -> String {
        let data = String(repeating: "x", count: bytes - #"{"message":{"data":""}}"#.utf8.count)
        return #"{"message":{"token":["a"],"data":"\#(data)"}}"#
    }

    static let validationCases: [ValidationCase] = [
        ValidationCase("not JSON", "hello", 400, "80100003"),
        ValidationCase("an array", "[]", 400, "80100003"),
        ValidationCase("message missing", #"{"validate_only":false}"#, 400, "80100003"),
        ValidationCase("message not an object", #"{"message":"x"}"#, 400, "80100003"),
        ValidationCase("no target", #"{"message":{"data":"x"}}"#, 400, "80100003"),
        ValidationCase("token and topic", #"{"message":{"token":["a"],"topic":"news","data":"x"}}"#, 400, "80100003"),
        ValidationCase(
            "android not an object", HuaweiBody.message(tokens: ["a"], members: #""android":1"#), 400, "80100003"),
        ValidationCase("topic message", #"{"message":{"topic":"news","data":"x"}}"#, 200, "80000000"),
        ValidationCase("no tokens", HuaweiBody.message(tokens: [], members: #""data":"x""#), 400, "80300010"),
        ValidationCase(
            "1001 tokens",
            HuaweiBody.message(tokens: (0..<1001).map { "t\($0)" }, members: #""data":"x""#),
            400,
            "80300010"
        ),
        ValidationCase(
            "1000 tokens",
            HuaweiBody.message(
                tokens: (0..<1000).map { "token-\($0)-padding-to-make-it-long" }, members: #""data":"x""#),
            200,
            "80000000"
        ),
        ValidationCase("empty token", HuaweiBody.message(tokens: [""], members: #""data":"x""#), 400, "80300010"),
        ValidationCase("token a string", #"{"message":{"token":"abc","data":"x"}}"#, 400, "80300010"),
        ValidationCase(
            "4097 bytes without tokens",
            Self.dataMessage(bytesWithoutTokens: 4097),
            400,
            "80300008"
        ),
        ValidationCase(
            "4096 bytes without tokens",
            Self.dataMessage(bytesWithoutTokens: 4096),
            200,
            "80000000"
        ),
        .field("ttl 86400s", android: #""ttl":"86400s""#, "80000000"),
        .field("ttl 1.5", android: #""ttl":"1.5""#, "80000000"),
        .field("ttl 1296000S", android: #""ttl":"1296000S""#, "80000000"),
        .field("ttl 1296001s", android: #""ttl":"1296001s""#, "80100001"),
        .field("ttl 1296000.5s", android: #""ttl":"1296000.5s""#, "80100001"),
        .field("ttl 1d", android: #""ttl":"1d""#, "80100001"),
        .field("ttl ten fraction digits", android: #""ttl":"1.0123456789s""#, "80100001"),
        .field("ttl a number", android: #""ttl":86400"#, "80100001"),
        .field("urgency LOW", android: #""urgency":"LOW""#, "80100001"),
        .field("urgency HIGH", android: #""urgency":"HIGH""#, "80000000"),
        .field("category NEWS", android: #""category":"NEWS""#, "80100001"),
        .field("category DEVICE_REMINDER", android: #""category":"DEVICE_REMINDER""#, "80000000"),
        .field("target_user_type 2", android: #""target_user_type":2"#, "80100001"),
        .field("target_user_type 1", android: #""target_user_type":1"#, "80000000"),
        .field("importance URGENT", notification: #""importance":"URGENT""#, "80100001"),
        .field("notify_id 2^31", notification: #""notify_id":2147483648"#, "80100001"),
        .field("notify_id -2^31", notification: #""notify_id":-2147483648"#, "80000000"),
        .field("notify_id a string", notification: #""notify_id":"7""#, "80100001"),
        .field("collapse_key 101", android: #""collapse_key":101"#, "80100013"),
        .field("collapse_key -2", android: #""collapse_key":-2"#, "80100013"),
        .field("collapse_key -1", android: #""collapse_key":-1"#, "80000000"),
        ValidationCase(
            "click_action missing",
            HuaweiBody.message(tokens: ["a"], members: #""android":{"notification":{"title":"t","body":"b"}}"#),
            400,
            "80100001"
        ),
        ValidationCase(
            "message.notification without click_action",
            HuaweiBody.message(tokens: ["a"], members: #""notification":{"title":"t","body":"b"}"#),
            400,
            "80100001"
        ),
        ValidationCase(
            "click_action type 1 without intent or action",
            HuaweiBody.message(tokens: ["a"], members: #""android":{"notification":{"click_action":{"type":1}}}"#),
            400,
            "80100001"
        ),
        ValidationCase(
            "click_action type 1 with action",
            HuaweiBody.message(
                tokens: ["a"],
                members: #""android":{"notification":{"click_action":{"type":1,"action":"com.example.OPEN"}}}"#
            ),
            200,
            "80000000"
        ),
        ValidationCase(
            "click_action type 2 with http",
            HuaweiBody.message(
                tokens: ["a"],
                members: #""android":{"notification":{"click_action":{"type":2,"url":"http://example.com"}}}"#
            ),
            400,
            "80100001"
        ),
        ValidationCase(
            "click_action type 2 with https",
            HuaweiBody.message(
                tokens: ["a"],
                members: #""android":{"notification":{"click_action":{"type":2,"url":"https://example.com"}}}"#
            ),
            200,
            "80000000"
        ),
        ValidationCase(
            "click_action type 4",
            HuaweiBody.message(tokens: ["a"], members: #""android":{"notification":{"click_action":{"type":4}}}"#),
            400,
            "80100001"
        ),
        ValidationCase("data message", HuaweiBody.message(tokens: ["a"], members: #""data":"{}""#), 200, "80000000"),
    ]

    @Test("Body checks answer Huawei's code and status", arguments: Self.validationCases)
    func validation(_ testCase: ValidationCase) async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.send(testCase.body)
            #expect(result.httpCode == testCase.status, "\(result.body)")
            #expect(result.code == testCase.code, "\(result.body)")
            if testCase.code == "80100001" {
                #expect((result.json?["msg"] as? String)?.hasPrefix("Illegal payload, ") == true)
            }
            let counters = harness.simulator.counters()
            #expect(counters.requests == 1)
            if testCase.status == 200 {
                #expect(counters.messagesAccepted == 1)
                #expect(counters.rejectedByCode.isEmpty)
            } else {
                #expect(counters.messagesAccepted == 0)
                #expect(counters.rejectedByCode == [testCase.code: 1])
            }
        }
    }

    @Test("Unknown fields are accepted and listed once in unknownFields")
    func unknownFields() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let body = HuaweiBody.notification(
                tokens: ["tokenA"],
                androidFields: #""speed":"fast""#,
                notificationFields: #""buttons":[{"name":"x","colour":"red"}]"#
            )
            #expect(try await harness.send(body).code == "80000000")
            #expect(try await harness.send(body).code == "80000000")
            let other = HuaweiBody.message(tokens: ["tokenA"], members: #""data":"x","priority":"high""#)
            #expect(try await harness.send(other).code == "80000000")
            #expect(
                harness.simulator.counters().unknownFields == [
                    "message.android.notification.buttons[].colour", "message.android.speed", "message.priority",
                ]
            )
        }
    }

    @Test("validate_only: 80000000 after validation, counted in validateOnly only")
    func validateOnly() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let ok = try await harness.send(HuaweiBody.notification(tokens: ["tokenA", "E500x"], validateOnly: true))
            #expect(ok.httpCode == 200)
            #expect(ok.code == "80000000")
            let bad = try await harness.send(
                HuaweiBody.notification(tokens: ["tokenA"], androidFields: #""urgency":"LOW""#, validateOnly: true)
            )
            #expect(bad.code == "80100001")
            let counters = harness.simulator.counters()
            #expect(counters.requests == 2)
            #expect(counters.validateOnly == 1)
            #expect(counters.messagesAccepted == 0)
            #expect(counters.tokensAccepted == 0)
            #expect(counters.acceptedPerToken.isEmpty)
        }
    }

    @Test("Unknown paths and methods get 404; the send path needs POST")
    func notFound() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let get = try await harness.curl([harness.url("/v1/10000001/messages:send")])
            #expect(get.httpCode == 404)
            let other = try await harness.curl(["--data-binary", "{}", harness.url("/v2/10000001/messages:send")])
            #expect(other.httpCode == 404)
            #expect(other.code == "80100001")
            #expect(harness.simulator.counters().requests == 0)
        }
    }

    @Test("Bodies over 1 MiB get 413 and the connection stays usable")
    func bodyLimit() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("huawei-big-\(UUID()).json")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(repeating: UInt8(ascii: "x"), count: (1 << 20) + 1).write(to: file)
            let big = try await harness.curl([
                "--data-binary", "@\(file.path)", harness.url("/v1/10000001/messages:send"),
            ])
            #expect(big.httpCode == 413, "\(big)")
            #expect(harness.simulator.counters().requests == 0)
        }
    }

    @Test("Keep-alive: curl reuses one connection for consecutive requests")
    func keepAlive() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.curl([
                "-v", harness.url("/_sim/counters"), "--next", "--cacert", harness.caFile,
                harness.url("/_sim/counters"),
            ])
            #expect(result.exitCode == 0)
            #expect(result.stderr.contains("Re-using existing connection"), "\(result.stderr)")
        }
    }
}

@Suite("Huawei simulator: faults by device-token prefix and counters", .serialized)
struct HuaweiSimulatorFaultTests {
    @Test("E503: 503 with a body without code")
    func flowControl() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.send(HuaweiBody.notification(tokens: ["tokenA", "E503x", "E500y"]))
            #expect(result.httpCode == 503)
            #expect(result.json?["code"] == nil)
            #expect(result.json?["msg"] as? String == "flow control")
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["HTTP503": 1])
            #expect(counters.tokensAccepted == 0)
        }
    }

    @Test("E500: 500 81000001; PRMS: 403 80300002")
    func statusFaults() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let internalError = try await harness.send(HuaweiBody.notification(tokens: ["E500x"]))
            #expect(internalError.httpCode == 500)
            #expect(internalError.code == "81000001")
            let permission = try await harness.send(HuaweiBody.notification(tokens: ["PRMSx"]))
            #expect(permission.httpCode == 403)
            #expect(permission.code == "80300002")
            #expect(harness.simulator.counters().rejectedByCode == ["81000001": 1, "80300002": 1])
        }
    }

    @Test("ONCE: 503 the first time a (token, identity) pair is seen, accepted afterwards")
    func failOnce() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let first = HuaweiBody.notification(tokens: ["ONCEx"], notificationFields: #""tag":"d1""#)
            let second = HuaweiBody.notification(tokens: ["ONCEx"], notificationFields: #""tag":"d2""#)
            #expect(try await harness.send(first).httpCode == 503)
            #expect(try await harness.send(first).code == "80000000")
            #expect(try await harness.send(second).httpCode == 503)
            #expect(try await harness.send(second).code == "80000000")
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["HTTP503": 2])
            #expect(counters.acceptedPerToken == ["ONCEx": 2])
            #expect(counters.duplicates == 0)
        }
    }

    @Test("EXPT: 401 80200003 once and the access token used is expired; a new token works")
    func expireByToken() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let token = try await harness.accessToken()
            let body = HuaweiBody.notification(tokens: ["EXPTx"])
            let first = try await harness.send(body, authorization: "Bearer \(token)")
            #expect(first.httpCode == 401)
            #expect(first.code == "80200003")
            let plain = HuaweiBody.notification(tokens: ["tokenA"])
            #expect(try await harness.send(plain, authorization: "Bearer \(token)").code == "80200003")
            let fresh = try await harness.accessToken()
            #expect(try await harness.send(body, authorization: "Bearer \(fresh)").code == "80000000")
            #expect(harness.simulator.counters().rejectedByCode == ["80200003": 2])
        }
    }

    @Test("SLOW: answered normally after slowDelay")
    func slow() async throws {
        try await HuaweiHarness.with {
            $0.slowDelay = .milliseconds(300)
        } _: { (harness) async throws in
            let token = try await harness.accessToken()
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await harness.send(
                HuaweiBody.notification(tokens: ["SLOWx"]), authorization: "Bearer \(token)")
            let elapsed = clock.now - start
            #expect(result.code == "80000000")
            #expect(elapsed >= .milliseconds(300))
            #expect(harness.simulator.counters().messagesAccepted == 1)
        }
    }

    @Test("DROP: the connection is closed without an answer")
    func drop() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let result = try await harness.send(HuaweiBody.notification(tokens: ["tokenA", "DROPx"]))
            #expect(result.exitCode == 52, "\(result)")  // CURLE_GOT_NOTHING: empty reply
            #expect(result.httpCode == 0)
            let counters = harness.simulator.counters()
            #expect(counters.droppedConnections == 1)
            #expect(counters.requests == 1)
            #expect(counters.messagesAccepted == 0)
        }
    }

    @Test("HANG: never answered")
    func hang() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let token = try await harness.accessToken()
            let result = try await harness.send(
                HuaweiBody.notification(tokens: ["HANGx"]),
                authorization: "Bearer \(token)",
                timeoutSeconds: 2
            )
            #expect(result.exitCode == 28, "\(result)")  // CURLE_OPERATION_TIMEDOUT
            #expect(result.httpCode == 0)
            #expect(harness.simulator.counters().unanswered == 1)
        }
    }

    @Test("Duplicates count a (token, tag or notify_id) pair accepted again; messages without identity are not")
    func duplicates() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let tagged = HuaweiBody.notification(tokens: ["tokenA", "tokenB"], notificationFields: #""tag":"d1""#)
            let otherTag = HuaweiBody.notification(tokens: ["tokenA"], notificationFields: #""tag":"d2""#)
            let notifyID = HuaweiBody.notification(tokens: ["tokenA"], notificationFields: #""notify_id":7"#)
            let plain = HuaweiBody.message(tokens: ["tokenA"], members: #""data":"x""#)
            for body in [tagged, tagged, otherTag, notifyID, notifyID, plain, plain] {
                #expect(try await harness.send(body).httpCode == 200)
            }
            let counters = harness.simulator.counters()
            #expect(counters.duplicates == 3)  // tokenA d1, tokenB d1, tokenA notify_id 7
            #expect(counters.acceptedPerToken == ["tokenA": 7, "tokenB": 2])
            #expect(counters.tokensAccepted == 9)
            #expect(counters.messagesAccepted == 7)
        }
    }

    @Test("GET /_sim/counters answers snake_case JSON; POST /_sim/reset and reset() zero the counters")
    func countersEndpoint() async throws {
        try await HuaweiHarness.with { (harness) async throws in
            let tagged = HuaweiBody.notification(tokens: ["tokenA", "DEAD1"], notificationFields: #""tag":"d1""#)
            _ = try await harness.send(tagged)
            _ = try await harness.send(tagged)
            _ = try await harness.send("nope")

            let read = try await harness.curl([harness.url("/_sim/counters")])
            #expect(read.httpCode == 200)
            let json = try #require(read.json)
            #expect(json["messages_accepted"] as? Int == 2)
            #expect(json["rejected_by_code"] as? [String: Int] == ["80100003": 1])
            #expect(json["accepted_per_token"] as? [String: Int] == ["tokenA": 2])
            let counters = try JSONDecoder().decode(HuaweiSimulator.Counters.self, from: Data(read.body.utf8))
            #expect(counters == harness.simulator.counters())
            #expect(counters.tokenGrants == 3)
            #expect(counters.requests == 3)
            #expect(counters.duplicates == 1)

            let reset = try await harness.curl(["-X", "POST", harness.url("/_sim/reset")])
            #expect(reset.httpCode == 200)
            #expect(harness.simulator.counters() == HuaweiSimulator.Counters())
            // Reset forgets accepted pairs too: the same message is not a duplicate afterwards.
            _ = try await harness.send(tagged)
            #expect(harness.simulator.counters().duplicates == 0)
            harness.simulator.reset()
            #expect(harness.simulator.counters() == HuaweiSimulator.Counters())
        }
    }
}

@Suite("Huawei simulator: pure parts")
struct HuaweiSimulatorUnitTests {
    @Test("Form decoding: + is a space, %XX a byte, malformed % kept, first value wins")
    func formDecoding() {
        let fields = FormURLEncoded.decode(Array("a=demo%2Bsecret%2F%3D&b=x+y&c=%zz%4&a=second&d&e=%E4%B8%AD".utf8))
        #expect(fields == ["a": "demo+secret/=", "b": "x y", "c": "%zz%4", "d": "", "e": "中"])
        #expect(
            FormURLEncoded.decodeComponent(Array(FormURLEncoded.encodeComponent("demo+secret/= ü").utf8))
                == "demo+secret/= ü")
    }

    @Test("JSON parsing keeps booleans, integers, numbers and strings apart and rejects what is not JSON")
    func jsonParsing() throws {
        let parsed = try #require(
            VendorJSON.parse(Array(#" {"a":[true,1,-1.5,2e2,null,"x\"\u00e9\ud83d\ude00\/"],"b":{}} "#.utf8))
        )
        #expect(
            parsed
                == .object([
                    "a": .array([.bool(true), .integer(1), .number(-1.5), .number(200), .null, .string("x\"é😀/")]),
                    "b": .object([:]),
                ])
        )
        #expect(parsed["a"]?.arrayValue?[3].integerValue == 200)
        #expect(VendorJSON.parse(Array(parsed.compactText.utf8)) == parsed)
        let invalid = ["", "{", "[1,]", #"{"a"}"#, "01", "1.", "tru", #""\u12""#, "{} x", "\"a\nb\"", #"{"a":1,}"#]
        for text in invalid {
            #expect(VendorJSON.parse(Array(text.utf8)) == nil, "\(text)")
        }
        #expect(
            VendorJSON.parse(Array((String(repeating: "[", count: 65) + String(repeating: "]", count: 65)).utf8)) == nil
        )
        #expect(
            VendorJSON.parse(Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)) != nil
        )
    }

    @Test("Configuration problems are all named")
    func configurationValidation() throws {
        var configuration = HuaweiSimulator.Configuration(certificateChainPEM: "", privateKeyPEM: "")
        configuration.apps = ["app": ""]
        configuration.accessTokenLifetime = .zero
        configuration.eventLoopThreads = 0
        let error = try #require(throws: SimulatorError.self) { try configuration.validate() }
        #expect(error.message.contains("apps[app]: the client ID"))
        #expect(error.message.contains("client secret must not be empty"))
        #expect(error.message.contains("accessTokenLifetime"))
        #expect(error.message.contains("eventLoopThreads"))
    }
}
