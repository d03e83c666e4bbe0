import Foundation
import NIOCore
import NIOHTTP1
import PushgateCore
import PushgateHTTPVendor
import Testing

@testable import PushgateVivo

typealias Notification = PushgateCore.Notification

@Suite("vivo result codes")
struct VivoResultCodeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let classifier = VivoResponseClassifier(now: { VivoResultCodeTests.now })

    static func reports(_ body: String, status: HTTPResponseStatus = .ok, tokens: [String] = ["r1"]) -> [DeliveryReport]
    {
        Self.classifier.reports(VendorHTTPResponse(status: status, body: ByteBuffer(string: body)), tokens: tokens)
    }

    @Test("result 0 delivers, with vivo's taskId")
    func success() {
        let reports = Self.reports(#"{"result":0,"desc":"请求成功","taskId":"121397329"}"#)
        #expect(reports.map(\.outcome) == [.delivered])
        #expect(reports[0].vendorMessageID == "121397329")
    }

    @Test("invalidUsers of a list send: statuses 1–3 dead, 4 (not a test device) permanent, the rest delivered")
    func invalidUsers() {
        let body =
            #"{"result":0,"invalidUsers":[{"userid":"b1","status":1},{"userid":"b3","status":3},{"userid":"b4","status":4}]}"#
        let reports = Self.reports(body, tokens: ["a", "b1", "b3", "b4"])
        #expect(reports.map(\.outcome.kind) == [.delivered, .invalidToken, .invalidToken, .permanent])
    }

    @Test("10302 with invalidUser on a single send", arguments: [(1, true), (2, true), (3, true), (4, false)])
    func invalidUser(status: Int, dead: Bool) {
        let reports = Self.reports(
            #"{"result":10302,"desc":"regId不合法","invalidUser":{"status":\#(status),"userid":"r1"}}"#)
        #expect(reports.map(\.outcome.kind) == [dead ? .invalidToken : .permanent])
    }

    static let rows: [(Int, DeliveryOutcome)] = [
        (10000, .authRefresh(reason: OutcomeReason("Vivo:10000"))),
        (10070, .quotaExhausted(until: Date(timeIntervalSince1970: 1_800_028_800))),
        (10252, .quotaExhausted(until: Date(timeIntervalSince1970: 1_800_028_800))),
        (10254, .quotaExhausted(until: Date(timeIntervalSince1970: 1_800_028_800))),
        (10072, .retryable(after: .seconds(1), stage: nil)),
        (10094, .permanent(reason: OutcomeReason("Vivo:10094"))),
        (10096, .permanent(reason: OutcomeReason("Vivo:10096"))),
        (10097, .permanent(reason: OutcomeReason("Vivo:10097"))),
        (10200, .permanent(reason: OutcomeReason("Vivo:10200"))),
        (10206, .permanent(reason: OutcomeReason("Vivo:10206"))),
        (10055, .permanent(reason: OutcomeReason("Vivo:10055"))),
    ]

    @Test("each code of the table, and an unknown 10xxx", arguments: rows)
    func row(code: Int, expected: DeliveryOutcome) {
        #expect(Self.reports(#"{"result":\#(code),"desc":"x"}"#).map(\.outcome) == [expected])
    }

    @Test("HTTP 500 in plain text is retryable")
    func serverError() {
        #expect(
            Self.reports("Internet server error!", status: .internalServerError).map(\.outcome) == [
                .retryable(after: nil, stage: nil)
            ])
    }
}

@Suite("vivo messages, sign and operation window")
struct VivoMessageTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func builder(_ change: (inout VivoConfiguration) -> Void = { _ in }) -> VivoMessageBuilder {
        var configuration = VivoConfiguration(appID: "10001", appKey: "k", appSecret: "s")
        change(&configuration)
        return VivoMessageBuilder(configuration: configuration)
    }

    static func problem(_ notification: Notification, _ change: (inout VivoConfiguration) -> Void = { _ in })
        -> VivoMessageProblem?
    {
        do {
            _ = try Self.builder(change).message(for: notification, identity: UUID(), expiresAt: nil, now: Self.now)
            return nil
        } catch {
            return error as? VivoMessageProblem
        }
    }

    @Test("the sign is MD5 of appId + appKey + timestamp + appSecret, lower-case hex")
    func sign() {
        // md5("10001demo-app-key1700000000000demo-app-secret"), computed independently with md5sum.
        #expect(
            VivoAuthenticator.sign(
                appID: "10001", appKey: "demo-app-key", timestamp: 1_700_000_000_000, appSecret: "demo-app-secret")
                == "a2d1b62e48eb852bd10aca9a541135ed")
    }

    @Test("content fields: classification always sent, TTL at least 60 s and capped at a day, notifyId, custom map")
    func content() throws {
        let identity = UUID()
        let message = try Self.builder { $0.category = "IM" }.message(
            for: Notification(title: "t", body: "b", data: ["n": .integer(3), "s": "x"]), identity: identity,
            expiresAt: Self.now.addingTimeInterval(10), now: Self.now)
        #expect(message.content["classification"] == .integer(1))
        #expect(message.content["category"] == "IM")
        #expect(message.content["timeToLive"] == .integer(60))
        #expect(message.content["notifyId"] == .integer(max(1, NotifyID.derive(from: identity.lowercasedString))))
        #expect(message.content["clientCustomMap"] == .object(["n": "3", "s": "x"]))
        let capped = try Self.builder().message(
            for: Notification(title: "t", body: "b"), identity: identity, expiresAt: Self.now.addingTimeInterval(9e5),
            now: Self.now)
        #expect(capped.content["timeToLive"] == .integer(86400))
    }

    @Test("vivo's limits are checked before sending, CJK counted twice by default")
    func limits() {
        #expect(Self.problem(Notification(title: "t")) != nil)
        #expect(Self.problem(Notification(title: String(repeating: "x", count: 40), body: "b")) == nil)
        #expect(
            Self.problem(Notification(title: String(repeating: "x", count: 41), body: "b"))?.reason == .payloadTooLarge)
        #expect(
            Self.problem(Notification(title: String(repeating: "标", count: 21), body: "b"))?.reason == .payloadTooLarge)
        #expect(
            Self.problem(Notification(title: String(repeating: "标", count: 21), body: "b")) {
                $0.wideCharactersCountTwice = false
            } == nil)
        #expect(
            Self.problem(Notification(title: "t", body: "b")) {
                $0.classification = 0
                $0.category = "IM"
            } != nil)
        var skip = Notification(title: "t", body: "b")
        skip.overrides[.vivo] = .object(["skipType": .integer(2)])
        #expect(Self.problem(skip)?.detail.contains("skipContent") == true)
    }

    @Test("operation messages wait outside 07:00–23:00 Beijing time")
    func operationWindow() {
        func beijing(_ hour: Int, _ minute: Int = 0) -> Date {
            // 2027-01-15 00:00 Beijing is 2027-01-14 16:00 UTC.
            Date(timeIntervalSince1970: 1_800_000_000 - 16 * 3600 + Double(hour * 3600 + minute * 60))
        }
        #expect(VivoOperationWindow.nextOpening(after: beijing(7)) == nil)
        #expect(VivoOperationWindow.nextOpening(after: beijing(22, 59)) == nil)
        #expect(VivoOperationWindow.nextOpening(after: beijing(23)) == beijing(31))
        #expect(VivoOperationWindow.nextOpening(after: beijing(6, 59)) == beijing(7))
    }

    @Test("a batch's request id depends on the notification and its regIds, not their order")
    func batchID() {
        let notification = UUID()
        let one = VivoAdapter.batchID(notification: notification, tokens: ["a", "b"])
        #expect(one == VivoAdapter.batchID(notification: notification, tokens: ["b", "a"]))
        #expect(one != VivoAdapter.batchID(notification: notification, tokens: ["a", "c"]))
        #expect(one != VivoAdapter.batchID(notification: UUID(), tokens: ["a", "b"]))
        #expect(one.count == 32)
    }
}
