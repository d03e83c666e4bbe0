import Foundation
import PushgateTestSupport
import Testing

@testable import PushgateSimulator

@Suite("vivo simulator: /message/auth, over HTTP/1.1 + TLS with curl", .serialized)
struct VivoSimulatorAuthTests {
    @Test("A correctly signed auth call gets result 0 and an authToken; appId may be a number or a numeric string")
    func grant() async throws {
        try await VivoHarness.with { (harness) async throws in
            let result = try await harness.auth(harness.authMembers())
            #expect(result.httpCode == 200, "\(result)")
            #expect(result.vivoResult == 0, "\(result.body)")
            #expect(result.vivoDesc == "请求成功")
            let token = try #require(result.json?["authToken"] as? String)
            #expect(!token.isEmpty)

            var asString = harness.authMembers()
            asString["appId"] = #""10001""#
            let second = try await harness.auth(asString)
            #expect(second.vivoResult == 0, "\(second.body)")
            #expect(second.json?["authToken"] as? String != token)

            // The token is usable.
            let sent = try await harness.post("/message/send", VivoBody.single(), authToken: token)
            #expect(sent.vivoResult == 0, "\(sent.body)")
            let counters = harness.simulator.counters()
            #expect(counters.authGrants == 2)
            #expect(counters.authRejections == 0)
        }
    }

    struct AuthErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var change: @Sendable ([String: String?], Int64) -> [String: String?]
        var result: Int
        var testDescription: String { self.name }
    }

    static func signed(_ timestamp: String, appKey: String = VivoHarness.appKey) -> String {
        JSONText.quoted(
            VivoHarness.sign(
                appID: VivoHarness.appID, appKey: appKey, timestamp: timestamp, appSecret: VivoHarness.appSecret))
    }

    @Test(
        "Auth errors are HTTP 200 with vivo's result codes and no authToken",
        arguments: [
            AuthErrorCase(name: "appId missing", change: { m, _ in m.merging(["appId": nil]) { $1 } }, result: 10200),
            AuthErrorCase(name: "appId empty", change: { m, _ in m.merging(["appId": #""""#]) { $1 } }, result: 10200),
            AuthErrorCase(name: "appKey missing", change: { m, _ in m.merging(["appKey": nil]) { $1 } }, result: 10201),
            AuthErrorCase(
                name: "appKey empty", change: { m, _ in m.merging(["appKey": #""""#]) { $1 } }, result: 10201),
            AuthErrorCase(
                name: "appId unknown", change: { m, _ in m.merging(["appId": "10002"]) { $1 } }, result: 10202),
            AuthErrorCase(
                name: "appKey of another app", change: { m, _ in m.merging(["appKey": #""other""#]) { $1 } },
                result: 10202),
            AuthErrorCase(
                name: "timestamp missing", change: { m, _ in m.merging(["timestamp": nil]) { $1 } }, result: 10204),
            AuthErrorCase(
                name: "timestamp 11 minutes old",
                change: { m, now in
                    let old = String(now - 660_000)
                    return m.merging(["timestamp": old, "sign": VivoSimulatorAuthTests.signed(old)]) { $1 }
                },
                result: 10204
            ),
            AuthErrorCase(
                name: "timestamp 11 minutes ahead",
                change: { m, now in
                    let ahead = String(now + 660_000)
                    return m.merging(["timestamp": ahead, "sign": VivoSimulatorAuthTests.signed(ahead)]) { $1 }
                },
                result: 10204
            ),
            AuthErrorCase(
                name: "timestamp not a number",
                change: { m, _ in m.merging(["timestamp": #""soon""#]) { $1 } }, result: 10204),
            AuthErrorCase(name: "sign missing", change: { m, _ in m.merging(["sign": nil]) { $1 } }, result: 10203),
            AuthErrorCase(
                name: "sign in upper case",
                change: { m, _ in m.merging(["sign": (m["sign"] ?? nil).map { $0.uppercased() }]) { $1 } },
                result: 10203
            ),
            AuthErrorCase(
                name: "sign over another timestamp",
                change: { m, now in m.merging(["sign": VivoSimulatorAuthTests.signed(String(now - 1))]) { $1 } },
                result: 10203
            ),
            AuthErrorCase(
                name: "sign with the secret left out",
                change: { m, now in
                    let bad = VivoHarness.sign(
                        appID: VivoHarness.appID, appKey: VivoHarness.appKey, timestamp: String(now), appSecret: "")
                    return m.merging(["timestamp": String(now), "sign": JSONText.quoted(bad)]) { $1 }
                },
                result: 10203
            ),
        ]
    )
    func authErrors(_ testCase: AuthErrorCase) async throws {
        let clock = TestWallClock(TestWallClock.beijing(12))
        try await VivoHarness.with {
            $0.now = clock.now
        } _: { (harness) async throws in
            let members = testCase.change(harness.authMembers(), harness.timestamp())
            let result = try await harness.auth(members)
            #expect(result.httpCode == 200, "\(result)")
            #expect(result.vivoResult == testCase.result, "\(result.body)")
            #expect(!result.vivoDesc.isEmpty)
            #expect(result.json?["authToken"] == nil)
            let counters = harness.simulator.counters()
            #expect(counters.authGrants == 0)
            #expect(counters.authRejections == 1)
        }
    }

    @Test("A timestamp 9 minutes off the simulator's clock is accepted, as a number or a string")
    func clockSkewWithinLimit() async throws {
        let clock = TestWallClock(TestWallClock.beijing(12))
        try await VivoHarness.with {
            $0.now = clock.now
        } _: { (harness) async throws in
            for offset: Int64 in [-540_000, 540_000] {
                let timestamp = String(harness.timestamp() + offset)
                var members = harness.authMembers()
                members["timestamp"] = timestamp
                members["sign"] = VivoSimulatorAuthTests.signed(timestamp)
                #expect(try await harness.auth(members).vivoResult == 0)
                members["timestamp"] = JSONText.quoted(timestamp)
                #expect(try await harness.auth(members).vivoResult == 0)
            }
        }
    }

    @Test("More than authCallsPerSecond auth calls within a second get 10072")
    func authRateLimit() async throws {
        try await VivoHarness.with {
            $0.authCallsPerSecond = 2
            $0.apps["10002"] = VivoSimulator.App(appKey: "k2", appSecret: "s2")
        } _: { (harness) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await harness.auth(harness.authMembers()).vivoResult == 0)
            #expect(try await harness.auth(harness.authMembers()).vivoResult == 0)
            let third = try await harness.auth(harness.authMembers())
            let other = try await harness.auth(harness.authMembers(appID: "10002", appKey: "k2", appSecret: "s2"))
            // Only meaningful while still inside the second (curl can be slow on a loaded machine).
            if clock.now - start < .seconds(1) {
                #expect(third.vivoResult == 10072, "\(third.body)")
                #expect(third.json?["authToken"] == nil)
                #expect(harness.simulator.counters().authRejections == 1)
                // The limit is per app.
                #expect(other.vivoResult == 0)
            }
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await harness.auth(harness.authMembers()).vivoResult == 0)
        }
    }

    @Test("An authToken older than authTokenLifetime gets 10000; a new one works")
    func tokenLifetime() async throws {
        try await VivoHarness.with {
            $0.authTokenLifetime = .seconds(2)
        } _: { (harness) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            let token = try await harness.authToken()
            let fresh = try await harness.post("/message/send", VivoBody.single(), authToken: token)
            if clock.now - start < .seconds(2) {
                #expect(fresh.vivoResult == 0, "\(fresh.body)")
            }
            try await Task.sleep(for: .milliseconds(2100))
            let expired = try await harness.post("/message/send", VivoBody.single(), authToken: token)
            #expect(expired.httpCode == 200)
            #expect(expired.vivoResult == 10000, "\(expired.body)")
            #expect(try await harness.send(VivoBody.single()).vivoResult == 0)
            #expect(harness.simulator.counters().rejectedByCode["10000"] ?? 0 >= 1)
        }
    }

    @Test("expireAuthTokens and POST /_sim/expire-tokens invalidate the tokens issued before, not those after")
    func expireAuthTokens() async throws {
        try await VivoHarness.with { (harness) async throws in
            let first = try await harness.authToken()
            harness.simulator.expireAuthTokens()
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: first).vivoResult == 10000)
            let second = try await harness.authToken()
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: second).vivoResult == 0)
            let endpoint = try await harness.curl(["-X", "POST", harness.url("/_sim/expire-tokens")])
            #expect(endpoint.httpCode == 200)
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: second).vivoResult == 10000)
            #expect(harness.simulator.counters().rejectedByCode == ["10000": 2])
        }
    }

    @Test("Missing, unknown or Bearer-style authToken headers get 10000 on every endpoint")
    func badAuthTokens() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            for path in ["/message/send", "/message/saveListPayload", "/message/pushToList"] {
                let missing = try await harness.post(path, VivoBody.single(), authToken: nil)
                #expect(missing.httpCode == 200)
                #expect(missing.vivoResult == 10000, "\(path) \(missing.body)")
                #expect(try await harness.post(path, VivoBody.single(), authToken: "nope").vivoResult == 10000)
            }
            let bearer = try await harness.curl([
                "-H", "Authorization: Bearer \(token)", "--data-binary", VivoBody.single(),
                harness.url("/message/send"),
            ])
            #expect(bearer.vivoResult == 10000)
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["10000": 7])
            #expect(counters.requests == 7)
            #expect(counters.messagesAccepted == 0)
        }
    }

    @Test("A body appId other than the token's gets 10094; the token's own appId as a string is fine")
    func appIDMismatch() async throws {
        try await VivoHarness.with {
            $0.apps["10002"] = VivoSimulator.App(appKey: "k2", appSecret: "s2")
        } _: { (harness) async throws in
            let token = try await harness.authToken()
            for appID in ["10002", #""10002""#, "100010", #""""#, "null"] {
                let result = try await harness.post(
                    "/message/send", VivoBody.single(["appId": appID]), authToken: token)
                #expect(result.vivoResult == 10094, "\(appID): \(result.body)")
            }
            let missing = try await harness.post("/message/send", VivoBody.single(["appId": nil]), authToken: token)
            #expect(missing.vivoResult == 10094)
            let asString = try await harness.post(
                "/message/send", VivoBody.single(["appId": #""10001""#]), authToken: token)
            #expect(asString.vivoResult == 0, "\(asString.body)")
            let other = try await harness.authToken(appID: "10002", appKey: "k2", appSecret: "s2")
            let mine = try await harness.post("/message/send", VivoBody.single(["appId": "10002"]), authToken: other)
            #expect(mine.vivoResult == 0)
            #expect(harness.simulator.counters().rejectedByCode == ["10094": 6])
        }
    }
}

@Suite("vivo simulator: /message/send field checks", .serialized)
struct VivoSimulatorFieldTests {
    struct FieldCase: Sendable, CustomTestStringConvertible {
        var name: String
        var members: [String: String?]
        /// 0 accepted, else the result code.
        var result: Int
        /// Part of `desc` for rejections.
        var field: String = ""
        var testDescription: String { self.name }
    }

    static func text(_ count: Int, _ character: String = "a") -> String? {
        JSONText.quoted(String(repeating: character, count: count))
    }

    static let cases: [FieldCase] = [
        FieldCase(name: "regId missing", members: ["regId": nil], result: 10055, field: "regId"),
        FieldCase(name: "regId empty", members: ["regId": #""""#], result: 10055, field: "regId"),
        FieldCase(name: "regId 65 characters", members: ["regId": text(65)], result: 10055, field: "regId"),
        FieldCase(name: "regId 64 characters", members: ["regId": text(64)], result: 0),
        FieldCase(name: "regId a number", members: ["regId": "12345"], result: 10055, field: "regId"),
        FieldCase(name: "alias instead of regId", members: ["regId": nil, "alias": #""user-1""#], result: 0),
        FieldCase(
            name: "alias 71 characters", members: ["regId": nil, "alias": text(71)], result: 10055, field: "alias"),
        FieldCase(name: "notifyType missing", members: ["notifyType": nil], result: 10055, field: "notifyType"),
        FieldCase(name: "notifyType 0", members: ["notifyType": "0"], result: 10055, field: "notifyType"),
        FieldCase(name: "notifyType 5", members: ["notifyType": "5"], result: 10055, field: "notifyType"),
        FieldCase(name: "notifyType a string", members: ["notifyType": #""1""#], result: 10055, field: "notifyType"),
        FieldCase(name: "notifyType 4", members: ["notifyType": "4"], result: 0),
        FieldCase(name: "title missing", members: ["title": nil], result: 10055, field: "title"),
        FieldCase(name: "title empty", members: ["title": #""""#], result: 10055, field: "title"),
        FieldCase(name: "title 41 characters", members: ["title": text(41)], result: 10055, field: "title"),
        FieldCase(name: "title 40 characters", members: ["title": text(40)], result: 0),
        FieldCase(name: "title 40 Chinese characters", members: ["title": text(40, "中")], result: 0),
        FieldCase(
            name: "title 41 Chinese characters", members: ["title": text(41, "中")], result: 10055, field: "title"),
        FieldCase(name: "content missing", members: ["content": nil], result: 10055, field: "content"),
        FieldCase(name: "content 101 characters", members: ["content": text(101)], result: 10055, field: "content"),
        FieldCase(name: "content 100 characters", members: ["content": text(100)], result: 0),
        FieldCase(name: "timeToLive 59", members: ["timeToLive": "59"], result: 10055, field: "timeToLive"),
        FieldCase(name: "timeToLive 86401", members: ["timeToLive": "86401"], result: 10055, field: "timeToLive"),
        FieldCase(name: "timeToLive 60", members: ["timeToLive": "60"], result: 0),
        FieldCase(name: "timeToLive 86400", members: ["timeToLive": "86400"], result: 0),
        FieldCase(name: "skipType missing", members: ["skipType": nil], result: 10055, field: "skipType"),
        FieldCase(name: "skipType 5", members: ["skipType": "5"], result: 10055, field: "skipType"),
        FieldCase(
            name: "skipType 2 without skipContent", members: ["skipType": "2"], result: 10055, field: "skipContent"),
        FieldCase(
            name: "skipType 4 with empty skipContent", members: ["skipType": "4", "skipContent": #""""#], result: 10055,
            field: "skipContent"),
        FieldCase(
            name: "skipType 2 with a URL", members: ["skipType": "2", "skipContent": #""https://example.com/a""#],
            result: 0),
        FieldCase(
            name: "skipContent 1025 characters", members: ["skipType": "3", "skipContent": text(1025)], result: 10055,
            field: "skipContent"),
        FieldCase(
            name: "skipContent 1024 characters", members: ["skipType": "3", "skipContent": text(1024)], result: 0),
        FieldCase(name: "networkType 0", members: ["networkType": "0"], result: 10055, field: "networkType"),
        FieldCase(name: "networkType 2", members: ["networkType": "2"], result: 10055, field: "networkType"),
        FieldCase(name: "networkType -1", members: ["networkType": "-1"], result: 0),
        FieldCase(name: "networkType 1", members: ["networkType": "1"], result: 0),
        FieldCase(name: "classification 2", members: ["classification": "2"], result: 10055, field: "classification"),
        FieldCase(name: "category unknown", members: ["category": #""PROMO""#], result: 10096, field: "category"),
        FieldCase(name: "category lower case", members: ["category": #""im""#], result: 10096, field: "category"),
        FieldCase(
            name: "system category with classification 0", members: ["category": #""IM""#, "classification": "0"],
            result: 10097, field: "category"),
        FieldCase(
            name: "operation category with classification 1", members: ["category": #""NEWS""#], result: 10097,
            field: "category"),
        FieldCase(
            name: "operation category without classification (default 0)",
            members: ["category": #""MARKETING""#, "classification": nil], result: 0),
        FieldCase(
            name: "system category with classification 1", members: ["category": #""DEVICE_REMINDER""#], result: 0),
        FieldCase(
            name: "operation category with classification 0",
            members: ["category": #""SOCIAL""#, "classification": "0"], result: 0),
        FieldCase(name: "requestId missing", members: ["requestId": nil], result: 10055, field: "requestId"),
        FieldCase(name: "requestId empty", members: ["requestId": #""""#], result: 10055, field: "requestId"),
        FieldCase(name: "requestId 65 characters", members: ["requestId": text(65)], result: 10055, field: "requestId"),
        FieldCase(name: "pushMode 2", members: ["pushMode": "2"], result: 10055, field: "pushMode"),
        FieldCase(name: "notifyId 0", members: ["notifyId": "0"], result: 10055, field: "notifyId"),
        FieldCase(name: "notifyId 2147483648", members: ["notifyId": "2147483648"], result: 10055, field: "notifyId"),
        FieldCase(name: "notifyId 2147483647", members: ["notifyId": "2147483647"], result: 0),
        FieldCase(
            name: "clientCustomMap with a number", members: ["clientCustomMap": #"{"a":1}"#], result: 10055,
            field: "clientCustomMap"),
        FieldCase(
            name: "clientCustomMap an array", members: ["clientCustomMap": #"["a"]"#], result: 10055,
            field: "clientCustomMap"),
        FieldCase(
            name: "clientCustomMap 1025 characters",
            members: ["clientCustomMap": #"{"k":\#(text(1024) ?? "")}"#], result: 10055, field: "clientCustomMap"),
        FieldCase(
            name: "clientCustomMap 1024 characters", members: ["clientCustomMap": #"{"k":\#(text(1023) ?? "")}"#],
            result: 0),
        FieldCase(name: "extra a string", members: ["extra": #""x""#], result: 10055, field: "extra"),
        FieldCase(
            name: "extra.callback 129 characters", members: ["extra": #"{"callback":\#(text(129) ?? "")}"#],
            result: 10055, field: "extra.callback"),
        FieldCase(
            name: "extra.callback.param 65 characters",
            members: ["extra": #"{"callback":"https://a.b/c","callback.param":\#(text(65) ?? "")}"#], result: 10055,
            field: "extra.callback.param"),
        FieldCase(
            name: "extra with callback and param",
            members: ["extra": #"{"callback":"https://a.b/c","callback.param":"p"}"#], result: 0),
        FieldCase(name: "profileId 65 characters", members: ["profileId": text(65)], result: 10055, field: "profileId"),
        FieldCase(name: "sendOnline a string", members: ["sendOnline": #""yes""#], result: 10055, field: "sendOnline"),
        FieldCase(
            name: "foregroundShow a number", members: ["foregroundShow": "1"], result: 10055, field: "foregroundShow"),
        FieldCase(
            name: "sendOnline and foregroundShow", members: ["sendOnline": "true", "foregroundShow": "false"], result: 0
        ),
    ]

    @Test("Each field is checked: 10055 naming the field, 10096/10097 for category, 0 at the limits", arguments: cases)
    func fieldCheck(_ testCase: FieldCase) async throws {
        // Noon in Beijing: operation messages are within their window.
        let clock = TestWallClock(TestWallClock.beijing(12))
        try await VivoHarness.with {
            $0.now = clock.now
        } _: { (harness) async throws in
            let result = try await harness.send(VivoBody.single(testCase.members))
            #expect(result.httpCode == 200, "\(result)")
            #expect(result.vivoResult == testCase.result, "\(result.body)")
            let counters = harness.simulator.counters()
            #expect(counters.requests == 1)
            if testCase.result == 0 {
                #expect(result.json?["taskId"] is String)
                #expect(counters.messagesAccepted == 1)
                #expect(counters.tokensAccepted == 1)
            } else {
                #expect(result.vivoDesc.contains(testCase.field), "\(result.vivoDesc)")
                #expect(counters.rejectedByCode == [String(testCase.result): 1])
                #expect(counters.messagesAccepted == 0)
                #expect(counters.acceptedPerToken.isEmpty)
            }
        }
    }

    @Test("A body that is not a JSON object gets 10055")
    func notJSON() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            for body in ["nope", "[1]", #"{"appId":10001"#] {
                let result = try await harness.post("/message/send", body, authToken: token)
                #expect(result.vivoResult == 10055, "\(body): \(result.body)")
            }
        }
    }

    @Test("Unknown fields are collected (sorted, once each) and not rejected")
    func unknownFields() async throws {
        try await VivoHarness.with { (harness) async throws in
            let body = VivoBody.single([
                "zeta": "1", "badge": "2", "extra": #"{"callback":"https://a.b","color":"red"}"#,
            ])
            #expect(try await harness.send(body).vivoResult == 0)
            #expect(try await harness.send(VivoBody.single(["badge": "3"])).vivoResult == 0)
            // Collected even when the call is rejected later.
            #expect(try await harness.send(VivoBody.single(["title": nil, "sound": "1"])).vivoResult == 10055)
            #expect(harness.simulator.counters().unknownFields == ["badge", "extra.color", "sound", "zeta"])
        }
    }

    @Test("maxTimeToLive, titleLimit and contentLimit are configurable (older docs: 7 days)")
    func configurableLimits() async throws {
        try await VivoHarness.with {
            $0.maxTimeToLive = 604_800
            $0.titleLimit = 20
            $0.contentLimit = 50
        } _: { (harness) async throws in
            #expect(try await harness.send(VivoBody.single(["timeToLive": "604800"])).vivoResult == 0)
            #expect(try await harness.send(VivoBody.single(["timeToLive": "604801"])).vivoResult == 10055)
            #expect(
                try await harness.send(VivoBody.single(["title": VivoSimulatorFieldTests.text(21)])).vivoResult == 10055
            )
            #expect(
                try await harness.send(VivoBody.single(["content": VivoSimulatorFieldTests.text(51)])).vivoResult
                    == 10055)
        }
    }
}

@Suite("vivo simulator: operation window, replays, list push, quota", .serialized)
struct VivoSimulatorFlowTests {
    @Test(
        "Operation messages (classification 0, formal) only 07:00 to 23:00 Beijing time; else 10073",
        arguments: [
            (7, 0, 0, true), (6, 59, 59, false), (22, 59, 59, true), (23, 0, 0, false), (3, 0, 0, false),
            (12, 0, 0, true),
        ]
    )
    func operationWindow(_ hour: Int, _ minute: Int, _ second: Int, _ open: Bool) async throws {
        let clock = TestWallClock(TestWallClock.beijing(hour, minute, second))
        try await VivoHarness.with {
            $0.now = clock.now
        } _: { (harness) async throws in
            let operation = try await harness.send(VivoBody.single(["classification": "0"]))
            #expect(operation.vivoResult == (open ? 0 : 10073), "\(operation.body)")
            let defaulted = try await harness.send(VivoBody.single(["classification": nil]))
            #expect(defaulted.vivoResult == (open ? 0 : 10073), "\(defaulted.body)")
            // System messages and test pushes are not held to the window.
            #expect(try await harness.send(VivoBody.single(["classification": "1"])).vivoResult == 0)
            #expect(
                try await harness.send(VivoBody.single(["classification": "0", "pushMode": "1"])).vivoResult == 0)
            #expect(harness.simulator.counters().rejectedByCode["10073"] == (open ? nil : 2))
        }
    }

    @Test("enforceOperationWindow false accepts operation messages at night")
    func windowOff() async throws {
        let clock = TestWallClock(TestWallClock.beijing(3))
        try await VivoHarness.with {
            $0.now = clock.now
            $0.enforceOperationWindow = false
        } _: { (harness) async throws in
            #expect(try await harness.send(VivoBody.single(["classification": "0"])).vivoResult == 0)
        }
    }

    @Test("The window applies to saveListPayload and, with the saved classification, to pushToList")
    func windowOnLists() async throws {
        let clock = TestWallClock(TestWallClock.beijing(22, 59))
        try await VivoHarness.with {
            $0.now = clock.now
        } _: { (harness) async throws in
            let token = try await harness.authToken()
            let operation = try await harness.saveListPayload(["classification": "0"], authToken: token)
            let system = try await harness.saveListPayload(authToken: token)
            clock.set(TestWallClock.beijing(23, 1))
            let saveLate = try await harness.post(
                "/message/saveListPayload", VivoBody.payload(["classification": "0"]), authToken: token)
            #expect(saveLate.vivoResult == 10073)
            let pushOperation = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a1", "a2"], taskID: operation), authToken: token)
            #expect(pushOperation.vivoResult == 10073, "\(pushOperation.body)")
            let pushTest = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a1", "a2"], taskID: operation, ["pushMode": "1"]),
                authToken: token)
            #expect(pushTest.vivoResult == 0, "\(pushTest.body)")
            let pushSystem = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a1", "a2"], taskID: system), authToken: token)
            #expect(pushSystem.vivoResult == 0)
        }
    }

    @Test("A requestId accepted before on /message/send is answered with the same taskId and not delivered again")
    func sendReplay() async throws {
        try await VivoHarness.with {
            $0.apps["10002"] = VivoSimulator.App(appKey: "k2", appSecret: "s2")
        } _: { (harness) async throws in
            let token = try await harness.authToken()
            let body = VivoBody.single(["requestId": #""req-1""#])
            let first = try await harness.post("/message/send", body, authToken: token)
            let second = try await harness.post("/message/send", body, authToken: token)
            #expect(first.vivoResult == 0)
            let taskID = try #require(first.json?["taskId"] as? String)
            #expect(taskID.allSatisfy { $0.isNumber })
            #expect(second.body == first.body)
            // The same requestId with another regId is still a replay: the requestId is the key.
            let otherTarget = try await harness.post(
                "/message/send", VivoBody.single(regID: "regB", ["requestId": #""req-1""#]), authToken: token)
            #expect(otherTarget.json?["taskId"] as? String == taskID)
            // Another requestId is a new message.
            let fresh = try await harness.post("/message/send", VivoBody.single(), authToken: token)
            #expect(fresh.json?["taskId"] as? String != taskID)
            // The same requestId for another app, or on saveListPayload, is not a replay.
            let otherToken = try await harness.authToken(appID: "10002", appKey: "k2", appSecret: "s2")
            let otherApp = try await harness.post(
                "/message/send", VivoBody.single(["requestId": #""req-1""#, "appId": "10002"]), authToken: otherToken)
            #expect(otherApp.vivoResult == 0)
            #expect(otherApp.json?["taskId"] as? String != taskID)
            let payload = try await harness.post(
                "/message/saveListPayload", VivoBody.payload(["requestId": #""req-1""#]), authToken: token)
            #expect(payload.json?["taskId"] as? String != taskID)

            let counters = harness.simulator.counters()
            #expect(counters.replaysDropped == 2)
            #expect(counters.acceptedPerToken == ["regA": 3])
            #expect(counters.messagesAccepted == 3)
            #expect(counters.requests == 6)
        }
    }

    @Test("A rejected requestId is not remembered: sent again it is checked again")
    func rejectedNotRemembered() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let bad = VivoBody.single(regID: "BAD2-x", ["requestId": #""req-2""#])
            #expect(try await harness.post("/message/send", bad, authToken: token).vivoResult == 10302)
            #expect(try await harness.post("/message/send", bad, authToken: token).vivoResult == 10302)
            let good = VivoBody.single(["requestId": #""req-2""#])
            #expect(try await harness.post("/message/send", good, authToken: token).vivoResult == 0)
            #expect(harness.simulator.counters().replaysDropped == 0)
        }
    }

    @Test("List push: saveListPayload then pushToList; BAD1–BAD4 regIds listed in invalidUsers, the rest accepted")
    func batchFlow() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let save = try await harness.post("/message/saveListPayload", VivoBody.payload(), authToken: token)
            #expect(save.vivoResult == 0, "\(save.body)")
            let taskID = try #require(save.json?["taskId"] as? String)

            let regIDs = ["regA", "BAD1-one", "regB", "BAD4-four", "BAD3-three", "BAD2-two", "BAD5-fine"]
            let push = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: regIDs, taskID: taskID, requestID: "list-1"),
                authToken: token)
            #expect(push.httpCode == 200)
            let json = try #require(push.json, "\(push.body)")
            #expect(json["result"] as? Int == 0)
            #expect(json["desc"] as? String == "请求成功")
            #expect(json["requestId"] as? String == "list-1")
            #expect(json["taskId"] as? String == taskID)
            let invalid = try #require(json["invalidUsers"] as? [[String: Any]])
            #expect(invalid.map { $0["userid"] as? String } == ["BAD1-one", "BAD4-four", "BAD3-three", "BAD2-two"])
            #expect(invalid.map { $0["status"] as? Int } == [1, 4, 3, 2])

            // All valid: no invalidUsers member; the taskId may be pushed again with another requestId.
            let clean = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["regA", "regC"], taskID: taskID), authToken: token)
            #expect(clean.vivoResult == 0)
            #expect(clean.json?.keys.contains("invalidUsers") == false)

            let counters = harness.simulator.counters()
            #expect(counters.listPayloadsSaved == 1)
            #expect(counters.messagesAccepted == 2)
            #expect(counters.tokensAccepted == 5)
            #expect(counters.acceptedPerToken == ["regA": 2, "regB": 1, "BAD5-fine": 1, "regC": 1])
            #expect(counters.requests == 3)
        }
    }

    @Test("pushToList takes 2 to 1000 regIds: 1000 accepted, 1001 and 1 refused with 10055")
    func listSize() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let taskID = try await harness.saveListPayload(authToken: token)
            func push(_ count: Int) async throws -> PushgateTestSupport.Curl.Result {
                let regIDs = (0..<count).map { "reg\($0)" }
                return try await harness.post(
                    "/message/pushToList", VivoBody.pushToList(regIDs: regIDs, taskID: taskID), authToken: token)
            }
            #expect(try await push(1000).vivoResult == 0)
            let tooMany = try await push(1001)
            #expect(tooMany.vivoResult == 10055)
            #expect(tooMany.vivoDesc.contains("regIds"))
            #expect(try await push(1).vivoResult == 10055)
            #expect(try await push(0).vivoResult == 10055)
            #expect(try await push(2).vivoResult == 0)
            let missing = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: [], taskID: taskID, ["regIds": nil]),
                authToken: token)
            #expect(missing.vivoResult == 10055)
            let counters = harness.simulator.counters()
            #expect(counters.tokensAccepted == 1002)
            #expect(counters.rejectedByCode == ["10055": 4])
        }
    }

    @Test("pushToList checks taskId (saved by this app) and requestId; aliases work like regIds")
    func listPushChecks() async throws {
        try await VivoHarness.with {
            $0.apps["10002"] = VivoSimulator.App(appKey: "k2", appSecret: "s2")
        } _: { (harness) async throws in
            let token = try await harness.authToken()
            let taskID = try await harness.saveListPayload(authToken: token)
            let otherToken = try await harness.authToken(appID: "10002", appKey: "k2", appSecret: "s2")
            let otherTask = try await harness.saveListPayload(["appId": "10002"], authToken: otherToken)

            let unknown = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a", "b"], taskID: "1"), authToken: token)
            #expect(unknown.vivoResult == 10055)
            #expect(unknown.vivoDesc.contains("taskId"))
            let foreign = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a", "b"], taskID: otherTask), authToken: token)
            #expect(foreign.vivoResult == 10055)
            let noTask = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a", "b"], taskID: taskID, ["taskId": nil]),
                authToken: token)
            #expect(noTask.vivoResult == 10055)
            let noRequestID = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a", "b"], taskID: taskID, ["requestId": nil]),
                authToken: token)
            #expect(noRequestID.vivoResult == 10055)
            #expect(noRequestID.vivoDesc.contains("requestId"))
            let emptyRegID = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a", ""], taskID: taskID), authToken: token)
            #expect(emptyRegID.vivoResult == 10055)
            // taskId as a JSON number is read too.
            let numeric = try await harness.post(
                "/message/pushToList", VivoBody.pushToList(regIDs: ["a", "b"], taskID: taskID, ["taskId": taskID]),
                authToken: token)
            #expect(numeric.vivoResult == 0, "\(numeric.body)")
            let aliases = try await harness.post(
                "/message/pushToList",
                VivoBody.pushToList(regIDs: [], taskID: taskID, ["regIds": nil, "aliases": #"["u1","u2"]"#]),
                authToken: token)
            #expect(aliases.vivoResult == 0, "\(aliases.body)")
            let saveInvalid = try await harness.post(
                "/message/saveListPayload", VivoBody.payload(["title": nil]), authToken: token)
            #expect(saveInvalid.vivoResult == 10055)
            #expect(saveInvalid.vivoDesc.contains("title"))
            #expect(harness.simulator.counters().acceptedPerToken == ["a": 1, "b": 1, "u1": 1, "u2": 1])
        }
    }

    @Test("A requestId replayed on pushToList is answered identically and its regIds not counted again")
    func listReplay() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let saveBody = VivoBody.payload(["requestId": #""save-1""#])
            let save = try await harness.post("/message/saveListPayload", saveBody, authToken: token)
            let saveAgain = try await harness.post("/message/saveListPayload", saveBody, authToken: token)
            #expect(saveAgain.body == save.body)
            let taskID = try #require(save.json?["taskId"] as? String)
            let body = VivoBody.pushToList(regIDs: ["regA", "BAD1-x"], taskID: taskID, requestID: "push-1")
            let first = try await harness.post("/message/pushToList", body, authToken: token)
            let second = try await harness.post("/message/pushToList", body, authToken: token)
            #expect(first.vivoResult == 0)
            #expect(second.body == first.body)
            let counters = harness.simulator.counters()
            #expect(counters.replaysDropped == 2)
            #expect(counters.listPayloadsSaved == 1)
            #expect(counters.messagesAccepted == 1)
            #expect(counters.acceptedPerToken == ["regA": 1])
        }
    }

    @Test("dailyQuota: regIds beyond it per Beijing day get 10070; invalid regIds do not count; a new day resets it")
    func dailyQuota() async throws {
        let clock = TestWallClock(TestWallClock.beijing(12))
        try await VivoHarness.with {
            $0.now = clock.now
            $0.dailyQuota = 4
        } _: { (harness) async throws in
            let token = try await harness.authToken()
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: token).vivoResult == 0)
            let taskID = try await harness.saveListPayload(authToken: token)
            let list = VivoBody.pushToList(regIDs: ["a", "b", "BAD1-x"], taskID: taskID)
            #expect(try await harness.post("/message/pushToList", list, authToken: token).vivoResult == 0)
            // 3 used: a list of 2 would go over.
            let over = VivoBody.pushToList(regIDs: ["c", "d"], taskID: taskID)
            let refused = try await harness.post("/message/pushToList", over, authToken: token)
            #expect(refused.vivoResult == 10070, "\(refused.body)")
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: token).vivoResult == 0)
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: token).vivoResult == 10070)
            // 23:59:59 is the same day; 00:00 the next.
            clock.set(TestWallClock.beijing(23, 59, 59))
            #expect(
                try await harness.post("/message/send", VivoBody.single(["classification": "1"]), authToken: token)
                    .vivoResult == 10070)
            clock.set(TestWallClock.beijing(0, 0, 0, day: 3))
            let token2 = try await harness.authToken()
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: token2).vivoResult == 0)
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["10070": 3])
            #expect(counters.tokensAccepted == 5)
        }
    }
}

@Suite("vivo simulator: faults by regId prefix, counters, routes", .serialized)
struct VivoSimulatorFaultTests {
    @Test("E500: HTTP 500 with the plain text body; R072: 10072; Q070: 10070")
    func statusFaults() async throws {
        try await VivoHarness.with { (harness) async throws in
            let internalError = try await harness.send(VivoBody.single(regID: "E500-x"))
            #expect(internalError.httpCode == 500)
            #expect(internalError.body == "Internet server error!")
            #expect(internalError.json == nil)
            #expect(try await harness.send(VivoBody.single(regID: "R072-x")).vivoResult == 10072)
            #expect(try await harness.send(VivoBody.single(regID: "Q070-x")).vivoResult == 10070)
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["HTTP500": 1, "10072": 1, "10070": 1])
            #expect(counters.messagesAccepted == 0)
        }
    }

    @Test("BAD1–BAD4 on a single send: 10302 with invalidUser and that status")
    func invalidRegIDs() async throws {
        try await VivoHarness.with { (harness) async throws in
            for status in 1...4 {
                let regID = "BAD\(status)-token"
                let result = try await harness.send(VivoBody.single(regID: regID))
                #expect(result.httpCode == 200)
                #expect(result.vivoResult == 10302, "\(result.body)")
                #expect(result.vivoDesc == "regId不合法")
                let invalidUser = try #require(result.json?["invalidUser"] as? [String: Any])
                #expect(invalidUser["status"] as? Int == status)
                #expect(invalidUser["userid"] as? String == regID)
            }
            #expect(harness.simulator.counters().rejectedByCode == ["10302": 4])
        }
    }

    @Test("ONCE: 10072 the first time a requestId is seen, then accepted")
    func failOnce() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let first = VivoBody.single(regID: "ONCE-x", ["requestId": #""once-1""#])
            #expect(try await harness.post("/message/send", first, authToken: token).vivoResult == 10072)
            #expect(try await harness.post("/message/send", first, authToken: token).vivoResult == 0)
            let second = VivoBody.single(regID: "ONCE-x", ["requestId": #""once-2""#])
            #expect(try await harness.post("/message/send", second, authToken: token).vivoResult == 10072)
            #expect(try await harness.post("/message/send", second, authToken: token).vivoResult == 0)
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["10072": 2])
            #expect(counters.acceptedPerToken == ["ONCE-x": 2])
            #expect(counters.replaysDropped == 0)
        }
    }

    @Test("EXPT: 10000 the first time and the authToken used becomes invalid; a new token works")
    func expireByRegID() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let body = VivoBody.single(regID: "EXPT-x")
            #expect(try await harness.post("/message/send", body, authToken: token).vivoResult == 10000)
            #expect(try await harness.post("/message/send", VivoBody.single(), authToken: token).vivoResult == 10000)
            let fresh = try await harness.authToken()
            #expect(try await harness.post("/message/send", body, authToken: fresh).vivoResult == 0)
            #expect(harness.simulator.counters().rejectedByCode == ["10000": 2])
        }
    }

    @Test("SLOW: answered normally after slowDelay")
    func slow() async throws {
        try await VivoHarness.with {
            $0.slowDelay = .milliseconds(300)
        } _: { (harness) async throws in
            let token = try await harness.authToken()
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await harness.post("/message/send", VivoBody.single(regID: "SLOW-x"), authToken: token)
            #expect(clock.now - start >= .milliseconds(300))
            #expect(result.vivoResult == 0)
            #expect(harness.simulator.counters().messagesAccepted == 1)
        }
    }

    @Test("DROP: the connection is closed without an answer")
    func drop() async throws {
        try await VivoHarness.with { (harness) async throws in
            let result = try await harness.send(VivoBody.single(regID: "DROP-x"))
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
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let result = try await harness.post(
                "/message/send", VivoBody.single(regID: "HANG-x"), authToken: token, timeoutSeconds: 2)
            #expect(result.exitCode == 28, "\(result)")  // CURLE_OPERATION_TIMEDOUT
            #expect(result.httpCode == 0)
            #expect(harness.simulator.counters().unanswered == 1)
        }
    }

    @Test("In a list push the first regId with a fault prefix decides for the whole request")
    func listFaults() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let taskID = try await harness.saveListPayload(authToken: token)
            let rate = VivoBody.pushToList(regIDs: ["regA", "R072-x", "E500-y"], taskID: taskID)
            #expect(try await harness.post("/message/pushToList", rate, authToken: token).vivoResult == 10072)
            let internalError = VivoBody.pushToList(regIDs: ["E500-y", "R072-x"], taskID: taskID)
            #expect(try await harness.post("/message/pushToList", internalError, authToken: token).httpCode == 500)
            let once = VivoBody.pushToList(regIDs: ["regA", "ONCE-z"], taskID: taskID, requestID: "once-list")
            #expect(try await harness.post("/message/pushToList", once, authToken: token).vivoResult == 10072)
            #expect(try await harness.post("/message/pushToList", once, authToken: token).vivoResult == 0)
            let dropped = VivoBody.pushToList(regIDs: ["regA", "DROP-z"], taskID: taskID)
            #expect(try await harness.post("/message/pushToList", dropped, authToken: token).exitCode == 52)
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["10072": 2, "HTTP500": 1])
            #expect(counters.acceptedPerToken == ["regA": 1, "ONCE-z": 1])
            #expect(counters.droppedConnections == 1)
        }
    }

    @Test("GET /_sim/counters answers snake_case JSON; POST /_sim/reset and reset() zero the counters and replays")
    func countersEndpoint() async throws {
        try await VivoHarness.with { (harness) async throws in
            let token = try await harness.authToken()
            let body = VivoBody.single(["requestId": #""same""#, "badge": "1"])
            let first = try await harness.post("/message/send", body, authToken: token)
            _ = try await harness.post("/message/send", body, authToken: token)
            _ = try await harness.post("/message/send", VivoBody.single(regID: "BAD1-x"), authToken: token)
            _ = try await harness.auth(harness.authMembers(appKey: "wrong"))

            let read = try await harness.curl([harness.url("/_sim/counters")])
            #expect(read.httpCode == 200)
            let json = try #require(read.json)
            #expect(json["auth_grants"] as? Int == 1)
            #expect(json["auth_rejections"] as? Int == 1)
            #expect(json["requests"] as? Int == 3)
            #expect(json["messages_accepted"] as? Int == 1)
            #expect(json["tokens_accepted"] as? Int == 1)
            #expect(json["replays_dropped"] as? Int == 1)
            #expect(json["list_payloads_saved"] as? Int == 0)
            #expect(json["rejected_by_code"] as? [String: Int] == ["10302": 1])
            #expect(json["accepted_per_token"] as? [String: Int] == ["regA": 1])
            #expect(json["unknown_fields"] as? [String] == ["badge"])
            #expect(json["dropped_connections"] as? Int == 0)
            #expect(json["unanswered"] as? Int == 0)
            let counters = try JSONDecoder().decode(VivoSimulator.Counters.self, from: Data(read.body.utf8))
            #expect(counters == harness.simulator.counters())

            let reset = try await harness.curl(["-X", "POST", harness.url("/_sim/reset")])
            #expect(reset.httpCode == 200)
            #expect(harness.simulator.counters() == VivoSimulator.Counters())
            // Reset forgets answered requestIds: the same one is a new message, the token still works.
            let again = try await harness.post("/message/send", body, authToken: token)
            #expect(again.vivoResult == 0)
            #expect(again.json?["taskId"] as? String != first.json?["taskId"] as? String)
            #expect(harness.simulator.counters().replaysDropped == 0)
            harness.simulator.reset()
            #expect(harness.simulator.counters() == VivoSimulator.Counters())
        }
    }

    @Test("Unknown paths and other methods get 404 and are not counted")
    func notFound() async throws {
        try await VivoHarness.with { (harness) async throws in
            let get = try await harness.curl([harness.url("/message/send")])
            #expect(get.httpCode == 404)
            let other = try await harness.curl(["--data-binary", "{}", harness.url("/message/all")])
            #expect(other.httpCode == 404)
            #expect(harness.simulator.counters() == VivoSimulator.Counters())
        }
    }
}

@Suite("vivo simulator: pure parts")
struct VivoSimulatorUnitTests {
    @Test("The sign is lowercase hex md5 of the trimmed concatenation")
    func sign() {
        #expect(
            VivoAuthEndpoint.sign(appID: "", appKey: "", timestamp: "", appSecret: "")
                == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(
            VivoAuthEndpoint.sign(appID: " a", appKey: "b", timestamp: "c", appSecret: " ")
                == "900150983cd24fb0d6963f7d28e17f72")
        #expect(
            VivoAuthEndpoint.sign(appID: "10001", appKey: "k", timestamp: "1700000000000", appSecret: "s")
                == VivoHarness.sign(appID: "10001", appKey: "k", timestamp: "1700000000000", appSecret: "s"))
    }

    @Test("Beijing time: day boundaries at 16:00 UTC, window from 07:00 to 23:00")
    func beijingTime() {
        let midnight = TestWallClock.beijing(0)
        #expect(BeijingTime.secondOfDay(midnight) == 0)
        #expect(BeijingTime.day(midnight) == BeijingTime.day(midnight.addingTimeInterval(86399)))
        #expect(BeijingTime.day(midnight) == BeijingTime.day(midnight.addingTimeInterval(-1)) + 1)
        #expect(!BeijingTime.isWithinOperationWindow(TestWallClock.beijing(6, 59, 59)))
        #expect(BeijingTime.isWithinOperationWindow(TestWallClock.beijing(7)))
        #expect(BeijingTime.isWithinOperationWindow(TestWallClock.beijing(22, 59, 59)))
        #expect(!BeijingTime.isWithinOperationWindow(TestWallClock.beijing(23)))
        // 2025-01-02 06:00 UTC is 14:00 in Beijing.
        #expect(BeijingTime.secondOfDay(Date(timeIntervalSince1970: 1_735_797_600)) == 14 * 3600)
    }

    @Test("Fault prefixes and invalid-regId statuses")
    func prefixes() {
        #expect(VivoFault(token: "E500abc") == .internalError)
        #expect(VivoFault(token: "E50") == nil)
        #expect(VivoFault(token: "regA") == nil)
        #expect(VivoFault.first(in: ["a", "SLOWx", "DROPy"])?.fault == .slow)
        #expect(VivoFault.invalidStatus(of: "BAD3x") == 3)
        #expect(VivoFault.invalidStatus(of: "BAD5x") == nil)
        #expect(VivoFault.invalidStatus(of: "BAD") == nil)
    }

    @Test("Configuration problems are all named")
    func configurationValidation() throws {
        var configuration = VivoSimulator.Configuration(certificateChainPEM: "", privateKeyPEM: "")
        configuration.apps = ["app": VivoSimulator.App(appKey: "", appSecret: "")]
        configuration.authTokenLifetime = .zero
        configuration.maxTimeToLive = 59
        configuration.dailyQuota = -1
        configuration.eventLoopThreads = 0
        let error = try #require(throws: SimulatorError.self) { try configuration.validate() }
        for part in [
            "apps[app]: the appId", "appKey must not be empty", "appSecret must not be empty", "authTokenLifetime",
            "maxTimeToLive", "dailyQuota", "eventLoopThreads",
        ] {
            #expect(error.message.contains(part), "\(part)")
        }
    }
}
