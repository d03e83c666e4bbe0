import Foundation
import PushgateTestSupport
import Testing

@testable import PushgateSimulator

@Suite("Xiaomi simulator: regid send endpoint, over HTTP/1.1 + TLS with curl", .serialized)
struct XiaomiSimulatorSendTests {
    @Test(
        "v2, v3 and v4 accept a notification: result ok, code 0, info, data.id, trace_id",
        arguments: ["/v2/message/regid", "/v3/message/regid", "/v4/message/regid"]
    )
    func success(path: String) async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.send(XiaomiForm.notification(regids: ["regA", "regB"]), path: path)
            #expect(result.httpCode == 200, "\(result)")
            let json = try #require(result.json, "\(result.body)")
            #expect(json["result"] as? String == "ok")
            #expect(json["code"] as? Int == 0)
            #expect(json["description"] as? String == "成功")
            #expect(json["info"] as? String == "Received push messages for 2 REGID")
            #expect((json["trace_id"] as? String)?.hasPrefix("Xcm") == true)
            let data = try #require(result.xiaomiData)
            #expect((data["id"] as? String)?.hasPrefix("scm") == true)
            #expect(data["bad_regids"] == nil)
            let counters = harness.simulator.counters()
            #expect(counters.requests == 1)
            #expect(counters.messagesAccepted == 1)
            #expect(counters.tokensAccepted == 2)
            #expect(counters.acceptedPerToken == ["regA": 1, "regB": 1])
            #expect(counters.rejectedByCode.isEmpty)
        }
    }

    @Test("Every value is form-decoded: a regid with + / = arrives intact; sent raw, + becomes a space (invalid)")
    func formEncoding() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let regid = "a+b/c=d+e/f=="
            let encoded = try await harness.send(
                XiaomiForm.notification(regids: [regid], [("title", "A & B = C+D")]),
                contentType: "application/x-www-form-urlencoded;charset=UTF-8"
            )
            #expect(encoded.xiaomiCode == 0, "\(encoded.body)")
            #expect(harness.simulator.counters().acceptedPerToken == [regid: 1])

            // Without ;charset too, and with a raw body whose + are not encoded.
            let raw = try await harness.sendRaw(
                "restricted_package_name=com.example.demo&title=Hi&registration_id=\(regid),regB",
                contentType: "application/x-www-form-urlencoded"
            )
            #expect(raw.xiaomiCode == 0, "\(raw.body)")
            #expect(raw.xiaomiData?["bad_regids"] as? String == "a b/c=d e/f==")
            #expect(harness.simulator.counters().acceptedPerToken == [regid: 1, "regB": 1])
        }
    }

    @Test("Authentication: anything but Authorization: key=<known secret> is 21301 认证失败, HTTP 200")
    func authentication() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let headers: [String?] = [
                nil, "key=wrong", "Key=\(XiaomiHarness.secret)", "key=", "key= \(XiaomiHarness.secret)",
                "Bearer \(XiaomiHarness.secret)", XiaomiHarness.secret,
            ]
            for header in headers {
                // The body is bad too: authentication comes first.
                let result = try await harness.send([("title", "Hi")], authorization: header)
                #expect(result.httpCode == 200, "\(header ?? "none")")
                let json = try #require(result.json)
                #expect(json["result"] as? String == "error")
                #expect(json["code"] as? Int == 21301, "\(header ?? "none")")
                #expect(json["description"] as? String == "认证失败")
                #expect(json["reason"] is String)
                #expect((json["trace_id"] as? String)?.hasPrefix("Xcm") == true)
            }
            #expect(harness.simulator.counters().rejectedByCode == ["21301": headers.count])
            #expect(harness.simulator.counters().requests == headers.count)
        }
    }

    @Test("restricted_package_name: missing, foreign, or a list on v2 is 22022; a list of own packages on v3 is fine")
    func packageName() async throws {
        try await XiaomiHarness.with {
            $0.apps = ["demo-app-secret": ["com.example.demo", "com.example.lite"], "other-secret": ["com.other"]]
        } _: { (harness) async throws in
            let rejected: [(String?, String)] = [
                (nil, "/v3/message/regid"),
                ("", "/v3/message/regid"),
                ("com.other", "/v3/message/regid"),
                ("com.example.demo,com.other", "/v3/message/regid"),
                ("com.example.demo,", "/v3/message/regid"),
                ("com.example.demo,com.example.lite", "/v2/message/regid"),
            ]
            for (package, path) in rejected {
                // registration_id is missing too: the package name is checked first.
                let fields = XiaomiForm.notification(
                    regids: [], [("restricted_package_name", package), ("registration_id", nil)])
                let result = try await harness.send(fields, path: path)
                #expect(result.httpCode == 200)
                #expect(result.xiaomiCode == 22022, "\(package ?? "none") \(path)")
            }
            let list = XiaomiForm.notification(
                regids: ["regA"], [("restricted_package_name", "com.example.demo,com.example.lite")])
            #expect(try await harness.send(list).xiaomiCode == 0)
            #expect(try await harness.send(list, path: "/v4/message/regid").xiaomiCode == 0)
            let other = XiaomiForm.notification(regids: ["regA"], [("restricted_package_name", "com.other")])
            #expect(try await harness.send(other, authorization: "key=other-secret").xiaomiCode == 0)
            #expect(harness.simulator.counters().rejectedByCode == ["22022": rejected.count])
        }
    }

    @Test("A body that is not form-encoded has no parameters: 22022")
    func notFormEncoded() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.sendRaw(
                #"{"restricted_package_name":"com.example.demo","registration_id":"regA","title":"Hi"}"#,
                contentType: "application/json"
            )
            #expect(result.xiaomiCode == 22022, "\(result.body)")
        }
    }

    @Test("registration_id: missing or empty is 10016; 1000 regids are accepted, 1001 refused with 10017")
    func regidCount() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            for value in [nil, "", ",,"] as [String?] {
                // The title is missing too: regids are checked first.
                let fields = XiaomiForm.notification(regids: [], [("registration_id", value), ("title", nil)])
                let result = try await harness.send(fields)
                #expect(result.xiaomiCode == 10016, "\(value ?? "none")")
                #expect((result.json?["reason"] as? String)?.contains("registration_id") == true)
            }
            let thousand = (0..<1000).map { "reg+/\($0)" }
            let accepted = try await harness.send(XiaomiForm.notification(regids: thousand))
            #expect(accepted.xiaomiCode == 0, "\(accepted.body.prefix(300))")
            #expect(accepted.json?["info"] as? String == "Received push messages for 1000 REGID")
            // The title is missing too: the regid count is checked first.
            let refused = try await harness.send(
                XiaomiForm.notification(regids: thousand + ["one-more"], [("title", nil)]))
            #expect(refused.xiaomiCode == 10017, "\(refused.body.prefix(300))")
            let counters = harness.simulator.counters()
            #expect(counters.tokensAccepted == 1000)
            #expect(counters.acceptedPerToken.count == 1000)
            #expect(counters.acceptedPerToken["reg+/999"] == 1)
            #expect(counters.rejectedByCode == ["10016": 3, "10017": 1])
        }
    }

    struct FieldCase: Sendable, CustomTestStringConvertible {
        var name: String
        var fields: [(String, String?)]
        /// 0 for accepted.
        var code: Int
        var testDescription: String { self.name }
    }

    static let customExtras = (1...10).map { ("extra.k\($0)", "v") as (String, String?) }

    @Test(
        "Message fields are checked with Xiaomi's codes",
        arguments: [
            FieldCase(name: "title missing", fields: [("title", nil)], code: 10016),
            FieldCase(name: "title all blank", fields: [("title", " \t ")], code: 10016),
            FieldCase(name: "title 49 characters", fields: [("title", String(repeating: "t", count: 49))], code: 0),
            FieldCase(name: "title 50 characters", fields: [("title", String(repeating: "t", count: 50))], code: 65009),
            FieldCase(
                name: "title 49 Chinese characters (147 bytes)", fields: [("title", String(repeating: "中", count: 49))],
                code: 0),
            FieldCase(
                name: "title 50 Chinese characters", fields: [("title", String(repeating: "中", count: 50))],
                code: 65009),
            FieldCase(
                name: "description 127 characters", fields: [("description", String(repeating: "d", count: 127))],
                code: 0),
            FieldCase(
                name: "description 128 characters", fields: [("description", String(repeating: "d", count: 128))],
                code: 65009),
            FieldCase(name: "description missing", fields: [("description", nil)], code: 0),
            FieldCase(name: "pass_through 1 without title", fields: [("pass_through", "1"), ("title", nil)], code: 0),
            FieldCase(
                name: "pass_through 1 with a long title",
                fields: [("pass_through", "1"), ("title", String(repeating: "t", count: 60))], code: 0),
            FieldCase(
                name: "pass_through 0 without title", fields: [("pass_through", "0"), ("title", nil)], code: 10016),
            FieldCase(name: "pass_through 2", fields: [("pass_through", "2")], code: 10017),
            FieldCase(name: "notify_type 7", fields: [("notify_type", "7")], code: 0),
            FieldCase(name: "notify_type 8", fields: [("notify_type", "8")], code: 10017),
            FieldCase(name: "notify_type -2", fields: [("notify_type", "-2")], code: 10017),
            FieldCase(name: "notify_type text", fields: [("notify_type", "sound")], code: 10017),
            FieldCase(name: "time_to_live 1 ms", fields: [("time_to_live", "1")], code: 0),
            FieldCase(name: "time_to_live two weeks", fields: [("time_to_live", "1209600000")], code: 0),
            FieldCase(name: "time_to_live two weeks + 1 ms", fields: [("time_to_live", "1209600001")], code: 10017),
            FieldCase(name: "time_to_live 0", fields: [("time_to_live", "0")], code: 10017),
            FieldCase(name: "time_to_live fraction", fields: [("time_to_live", "1.5")], code: 10017),
            FieldCase(name: "time_to_send 30 days ahead", fields: [("time_to_send", "99999999999999")], code: 10017),
            FieldCase(name: "notify_id 0", fields: [("notify_id", "0")], code: 0),
            FieldCase(name: "notify_id 2147483647", fields: [("notify_id", "2147483647")], code: 0),
            FieldCase(name: "notify_id 2147483648", fields: [("notify_id", "2147483648")], code: 10017),
            FieldCase(name: "notify_id -1", fields: [("notify_id", "-1")], code: 10017),
            FieldCase(name: "notify_effect 1", fields: [("extra.notify_effect", "1")], code: 0),
            FieldCase(name: "notify_effect 4", fields: [("extra.notify_effect", "4")], code: 10017),
            FieldCase(name: "notify_effect 2 without intent_uri", fields: [("extra.notify_effect", "2")], code: 10017),
            FieldCase(
                name: "notify_effect 2 with intent_uri",
                fields: [("extra.notify_effect", "2"), ("extra.intent_uri", "intent:#Intent;end")], code: 0),
            FieldCase(name: "notify_effect 3 without web_uri", fields: [("extra.notify_effect", "3")], code: 10017),
            FieldCase(
                name: "notify_effect 3 with web_uri",
                fields: [("extra.notify_effect", "3"), ("extra.web_uri", "https://example.com/?a=1&b=2")], code: 0),
            FieldCase(name: "10 custom extras", fields: customExtras, code: 0),
            FieldCase(name: "11 custom extras", fields: customExtras + [("extra.k11", "v")], code: 65014),
            FieldCase(
                name: "10 custom extras and documented ones",
                fields: customExtras + [
                    ("extra.ticker", "t"), ("extra.badge", "1"), ("extra.callback", "https://example.com/cb"),
                    ("extra.callback.param", "p"), ("extra.callback.type", "19"), ("extra.jobkey", "job-1"),
                ],
                code: 0),
            FieldCase(
                name: "custom extra key+value 1024 characters",
                fields: [("extra.key", String(repeating: "v", count: 1021))], code: 0),
            FieldCase(
                name: "custom extra key+value 1025 characters",
                fields: [("extra.key", String(repeating: "v", count: 1022))], code: 65015),
            FieldCase(
                name: "too many extras before too long ones",
                fields: customExtras + [("extra.k11", String(repeating: "v", count: 2000))], code: 65014),
        ]
    )
    func fieldChecks(_ testCase: FieldCase) async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.send(XiaomiForm.notification(regids: ["regA"], testCase.fields))
            #expect(result.httpCode == 200)
            #expect(result.xiaomiCode == testCase.code, "\(result.body)")
            let counters = harness.simulator.counters()
            if testCase.code == 0 {
                #expect(result.json?["result"] as? String == "ok")
                #expect(counters.acceptedPerToken == ["regA": 1])
            } else {
                #expect(result.json?["result"] as? String == "error")
                #expect(counters.rejectedByCode == [String(testCase.code): 1])
                #expect(counters.tokensAccepted == 0)
            }
        }
    }

    @Test("With channels configured, a notification's extra.channel_id must be one of them (27001); pass-through not")
    func channels() async throws {
        try await XiaomiHarness.with {
            $0.channels = ["ch-orders"]
        } _: { (harness) async throws in
            #expect(try await harness.send(XiaomiForm.notification(regids: ["regA"])).xiaomiCode == 27001)
            let wrong = XiaomiForm.notification(regids: ["regA"], [("extra.channel_id", "ch-news")])
            #expect(try await harness.send(wrong).xiaomiCode == 27001)
            let right = XiaomiForm.notification(regids: ["regA"], [("extra.channel_id", "ch-orders")])
            #expect(try await harness.send(right).xiaomiCode == 0)
            let passThrough = XiaomiForm.notification(regids: ["regA"], [("pass_through", "1")])
            #expect(try await harness.send(passThrough).xiaomiCode == 0)
            #expect(harness.simulator.counters().rejectedByCode == ["27001": 2])
        }
        // Without channels configured, any channel_id is fine.
        try await XiaomiHarness.with { (harness) async throws in
            let any = XiaomiForm.notification(regids: ["regA"], [("extra.channel_id", "ch-news")])
            #expect(try await harness.send(any).xiaomiCode == 0)
        }
    }

    @Test("Unknown top-level fields are recorded once, sorted, and not rejected; extra.* are not unknown")
    func unknownFields() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let fields = XiaomiForm.notification(
                regids: ["regA"], [("zeta", "1"), ("alias", "x"), ("extra.custom", "c"), ("payload", "p")])
            #expect(try await harness.send(fields).xiaomiCode == 0)
            // Recorded on a rejected request too, but only once.
            let rejected = XiaomiForm.notification(regids: ["regA"], [("zeta", "1"), ("beta", "2"), ("title", nil)])
            #expect(try await harness.send(rejected).xiaomiCode == 10016)
            #expect(harness.simulator.counters().unknownFields == ["alias", "beta", "zeta"])
        }
    }

    @Test("BAD regids: partial success lists them in data.bad_regids; all bad is 20301 (HTTP 200)")
    func badRegids() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let partial = try await harness.send(XiaomiForm.notification(regids: ["regA", "BAD1", "regB", "BAD2"]))
            #expect(partial.httpCode == 200)
            #expect(partial.xiaomiCode == 0)
            #expect(partial.json?["result"] as? String == "ok")
            #expect(partial.json?["info"] as? String == "Received push messages for 2 REGID")
            #expect(partial.xiaomiData?["bad_regids"] as? String == "BAD1,BAD2")
            #expect((partial.xiaomiData?["id"] as? String)?.hasPrefix("scm") == true)

            let allBad = try await harness.send(XiaomiForm.notification(regids: ["BAD1", "BAD3"]))
            #expect(allBad.httpCode == 200)
            #expect(allBad.json?["result"] as? String == "error")
            #expect(allBad.xiaomiCode == 20301)
            #expect(allBad.json?["description"] as? String == "发送消息失败")

            let counters = harness.simulator.counters()
            #expect(counters.acceptedPerToken == ["regA": 1, "regB": 1])
            #expect(counters.tokensAccepted == 2)
            #expect(counters.messagesAccepted == 1)
            #expect(counters.rejectedByCode == ["20301": 1])
        }
    }

    @Test("Unknown paths are 404, other methods on a send path 405")
    func routes() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let unknown = try await harness.send(XiaomiForm.notification(regids: ["regA"]), path: "/v3/message/alias")
            #expect(unknown.httpCode == 404)
            let get = try await harness.curl([
                "-H", "Authorization: key=demo-app-secret", harness.url("/v3/message/regid"),
            ])
            #expect(get.httpCode == 405)
            #expect(harness.simulator.counters().requests == 0)
        }
    }
}

@Suite("Xiaomi simulator: faults by regid prefix, quota, duplicates, counters", .serialized)
struct XiaomiSimulatorFaultTests {
    @Test("E500: HTTP 500 with a plain-text body, not JSON")
    func internalServerError() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.send(XiaomiForm.notification(regids: ["regA", "E500x", "E001y"]))
            #expect(result.httpCode == 500, "\(result)")
            #expect(result.body == "Internal Server Error")
            #expect(result.json == nil)
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["HTTP500": 1])
            #expect(counters.tokensAccepted == 0)
            #expect(counters.requests == 1)
        }
    }

    @Test(
        "Error faults are HTTP 200 with their code; the first regid with a fault decides",
        arguments: [("E001", 10001), ("R027", 10027), ("Q034", 10034)]
    )
    func errorFaults(prefix: String, code: Int) async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.send(
                XiaomiForm.notification(regids: ["regA", "BAD1", prefix + "x", "E500y"]))
            #expect(result.httpCode == 200)
            #expect(result.json?["result"] as? String == "error")
            #expect(result.xiaomiCode == code, "\(result.body)")
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == [String(code): 1])
            #expect(counters.acceptedPerToken.isEmpty)
        }
    }

    @Test("Validation comes before faults: an E500 regid in an invalid request gets the validation code")
    func validationBeforeFaults() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.send(XiaomiForm.notification(regids: ["E500x"], [("notify_type", "9")]))
            #expect(result.httpCode == 200)
            #expect(result.xiaomiCode == 10017)
        }
    }

    @Test("ONCE: 10002 the first time a (regid, notify_id) pair is seen, accepted afterwards")
    func failOnce() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let first = XiaomiForm.notification(regids: ["ONCEx"], [("notify_id", "1")])
            let second = XiaomiForm.notification(regids: ["ONCEx"], [("notify_id", "2")])
            let plain = XiaomiForm.notification(regids: ["ONCEx"])
            #expect(try await harness.send(first).xiaomiCode == 10002)
            #expect(try await harness.send(first).xiaomiCode == 0)
            #expect(try await harness.send(second).xiaomiCode == 10002)
            #expect(try await harness.send(second).xiaomiCode == 0)
            #expect(try await harness.send(plain).xiaomiCode == 10002)
            #expect(try await harness.send(plain).xiaomiCode == 0)
            let counters = harness.simulator.counters()
            #expect(counters.rejectedByCode == ["10002": 3])
            #expect(counters.acceptedPerToken == ["ONCEx": 3])
            #expect(counters.duplicates == 0)
        }
    }

    @Test("SLOW: answered normally after slowDelay")
    func slow() async throws {
        try await XiaomiHarness.with {
            $0.slowDelay = .milliseconds(400)
        } _: { (harness) async throws in
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await harness.send(XiaomiForm.notification(regids: ["SLOWx", "regA"]))
            let elapsed = clock.now - start
            #expect(result.xiaomiCode == 0)
            #expect(elapsed >= .milliseconds(400))
            #expect(harness.simulator.counters().tokensAccepted == 2)
        }
    }

    @Test("DROP: the connection is closed without an answer")
    func drop() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.send(XiaomiForm.notification(regids: ["regA", "DROPx"]))
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
        try await XiaomiHarness.with { (harness) async throws in
            let result = try await harness.send(XiaomiForm.notification(regids: ["HANGx"]), timeoutSeconds: 2)
            #expect(result.exitCode == 28, "\(result)")  // CURLE_OPERATION_TIMEDOUT
            #expect(result.httpCode == 0)
            #expect(harness.simulator.counters().unanswered == 1)
        }
    }

    @Test("dailyQuota: a request whose valid regids would exceed the app's quota is 10034; other apps unaffected")
    func dailyQuota() async throws {
        try await XiaomiHarness.with {
            $0.dailyQuota = 3
            $0.apps["other-secret"] = ["com.other"]
        } _: { (harness) async throws in
            #expect(try await harness.send(XiaomiForm.notification(regids: ["r1", "r2", "BAD1"])).xiaomiCode == 0)
            let over = try await harness.send(XiaomiForm.notification(regids: ["r3", "r4"]))
            #expect(over.xiaomiCode == 10034)
            #expect(over.json?["result"] as? String == "error")
            #expect(try await harness.send(XiaomiForm.notification(regids: ["r3", "BAD2"])).xiaomiCode == 0)
            #expect(try await harness.send(XiaomiForm.notification(regids: ["r4"])).xiaomiCode == 10034)
            // Invalid regids use no quota.
            #expect(try await harness.send(XiaomiForm.notification(regids: ["BAD3"])).xiaomiCode == 20301)
            let other = XiaomiForm.notification(regids: ["r1"], [("restricted_package_name", "com.other")])
            #expect(try await harness.send(other, authorization: "key=other-secret").xiaomiCode == 0)
            let counters = harness.simulator.counters()
            #expect(counters.tokensAccepted == 4)
            #expect(counters.rejectedByCode == ["10034": 2, "20301": 1])
            // Reset forgets the day's use.
            harness.simulator.reset()
            #expect(try await harness.send(XiaomiForm.notification(regids: ["r5", "r6", "r7"])).xiaomiCode == 0)
        }
    }

    @Test("The quota restarts on the next Beijing day (UTC+8)")
    func quotaDay() {
        // 2024-01-01T15:59:59Z is 23:59:59 in Beijing; one second later it is the next day there.
        let lastSecond = 1_704_124_799.0
        #expect(XiaomiSimulatorState.beijingDay(secondsSince1970: lastSecond) == 19723)
        #expect(XiaomiSimulatorState.beijingDay(secondsSince1970: lastSecond + 1) == 19724)
        #expect(XiaomiSimulatorState.beijingDay(secondsSince1970: 0) == 0)

        let state = XiaomiSimulatorState(dailyQuota: 2)
        let message = XiaomiMessage(regids: ["r1", "r2"], notifyID: nil)
        #expect(state.deliver(message, appSecret: "s", day: 19723, unknownFields: []).isAccepted)
        #expect(
            state.deliver(message, appSecret: "s", day: 19723, unknownFields: [])
                == .reject(.dailyQuotaExceeded, delayed: false))
        #expect(state.deliver(message, appSecret: "s", day: 19724, unknownFields: []).isAccepted)
    }

    @Test("Duplicates count a (regid, notify_id) pair accepted again; messages without notify_id never")
    func duplicates() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let seven = XiaomiForm.notification(regids: ["regA", "regB"], [("notify_id", "7")])
            let eight = XiaomiForm.notification(regids: ["regA"], [("notify_id", "8")])
            let plain = XiaomiForm.notification(regids: ["regA"])
            for fields in [seven, seven, eight, plain, plain] {
                #expect(try await harness.send(fields).xiaomiCode == 0)
            }
            let counters = harness.simulator.counters()
            #expect(counters.duplicates == 2)  // regA 7, regB 7
            #expect(counters.acceptedPerToken == ["regA": 5, "regB": 2])
            #expect(counters.tokensAccepted == 7)
            #expect(counters.messagesAccepted == 5)
        }
    }

    @Test("GET /_sim/counters answers snake_case JSON; POST /_sim/reset and reset() zero the counters")
    func countersEndpoint() async throws {
        try await XiaomiHarness.with { (harness) async throws in
            let tagged = XiaomiForm.notification(regids: ["regA", "BAD1"], [("notify_id", "3"), ("odd", "1")])
            _ = try await harness.send(tagged)
            _ = try await harness.send(tagged)
            _ = try await harness.send(tagged, authorization: "key=nope")

            let read = try await harness.curl([harness.url("/_sim/counters")])
            #expect(read.httpCode == 200)
            let json = try #require(read.json)
            #expect(json["messages_accepted"] as? Int == 2)
            #expect(json["tokens_accepted"] as? Int == 2)
            #expect(json["rejected_by_code"] as? [String: Int] == ["21301": 1])
            #expect(json["accepted_per_token"] as? [String: Int] == ["regA": 2])
            #expect(json["unknown_fields"] as? [String] == ["odd"])
            #expect(json["dropped_connections"] as? Int == 0)
            #expect(json["unanswered"] as? Int == 0)
            let counters = try JSONDecoder().decode(XiaomiSimulator.Counters.self, from: Data(read.body.utf8))
            #expect(counters == harness.simulator.counters())
            #expect(counters.requests == 3)
            #expect(counters.duplicates == 1)

            let reset = try await harness.curl(["-X", "POST", harness.url("/_sim/reset")])
            #expect(reset.httpCode == 200)
            #expect(harness.simulator.counters() == XiaomiSimulator.Counters())
            // Reset forgets accepted pairs too: the same message is not a duplicate afterwards.
            _ = try await harness.send(tagged)
            #expect(harness.simulator.counters().duplicates == 0)
            #expect(harness.simulator.counters().messagesAccepted == 1)
            harness.simulator.reset()
            #expect(harness.simulator.counters() == XiaomiSimulator.Counters())
        }
    }
}

@Suite("Xiaomi simulator: pure parts")
struct XiaomiSimulatorUnitTests {
    @Test("Configuration problems are all named, without the secret")
    func configurationValidation() throws {
        var configuration = XiaomiSimulator.Configuration(certificateChainPEM: "", privateKeyPEM: "")
        configuration.apps = ["": ["com.a"], "secret-x": []]
        configuration.dailyQuota = -1
        configuration.maxTimeToLive = .zero
        configuration.eventLoopThreads = 0
        let error = try #require(throws: SimulatorError.self) { try configuration.validate() }
        #expect(error.message.contains("an app secret is empty"))
        #expect(error.message.contains("package names"))
        #expect(error.message.contains("dailyQuota"))
        #expect(error.message.contains("maxTimeToLive"))
        #expect(error.message.contains("eventLoopThreads"))
        #expect(!error.message.contains("secret-x"))

        let certificates = try DevelopmentCertificates.make()
        try XiaomiSimulator.Configuration(certificates: certificates).validate()
    }

    @Test("Fault prefixes are exact and the first regid with one decides")
    func faultPrefixes() {
        #expect(XiaomiFault.first(in: ["regA", "SLOWx", "E500y"])?.fault == .slow)
        #expect(XiaomiFault.first(in: ["regA", "slowx", "E50"]) == nil)
        #expect(XiaomiFault.isInvalid("BADx") && XiaomiFault.isInvalid("a b") && !XiaomiFault.isInvalid("xBAD"))
    }
}

extension XiaomiSimulatorState.DeliveryDecision {
    var isAccepted: Bool {
        if case .accept = self { true } else { false }
    }
}
