import Foundation
import NIOCore
import NIOHTTP1
import PushgateCore
import PushgateHTTPVendor
import Testing

@testable import PushgateHuawei

/// One case per row of Huawei's code table (VENDORS.md §1.4), through the classifier as the
/// adapter uses it: the answer's body and status in, one report per token out.
@Suite("Huawei result codes")
struct HuaweiResultCodeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let classifier = HuaweiResponseClassifier(now: { HuaweiResultCodeTests.now })

    static func answer(_ status: HTTPResponseStatus, _ body: String, headers: HTTPHeaders = [:]) -> VendorHTTPResponse {
        VendorHTTPResponse(status: status, headers: headers, body: ByteBuffer(string: body))
    }

    static func outcome(
        _ status: HTTPResponseStatus, code: String, tokens: [String] = ["t1"], knownGood: Bool = true
    ) -> [DeliveryOutcome] {
        let body = #"{"code":"\#(code)","msg":"m","requestId":"160000000000000000000001"}"#
        return Self.classifier.reports(
            Self.answer(status, body), tokens: tokens, evidence: .init(appKnownGood: knownGood)
        ).map(\.outcome)
    }

    static let permanentCodes = [
        "80100001", "80100002", "80100003", "80100004", "80100013", "80100016", "80100018", "80100022", "80300002",
        "80300008", "80300010", "80300011", "80300013", "80300030", "80300036", "82000001", "82000013",
    ]

    @Test("80000000 delivers every token and keeps Huawei's requestId")
    func success() {
        let reports = Self.classifier.reports(
            Self.answer(.ok, #"{"code":"80000000","msg":"Success","requestId":"1602"}"#), tokens: ["a", "b"],
            evidence: .init(appKnownGood: false))
        #expect(reports.map(\.outcome) == [.delivered, .delivered])
        #expect(reports.allSatisfy { $0.vendorMessageID == "1602" && $0.vendorStatus == 200 })
    }

    @Test("a code sent as a JSON number is read like the string")
    func numericCode() {
        let reports = Self.classifier.reports(
            Self.answer(.ok, #"{"code":80000000,"msg":"Success"}"#), tokens: ["a"], evidence: .init(appKnownGood: false)
        )
        #expect(reports.map(\.outcome) == [.delivered])
    }

    @Test("80100000 (v1): the tokens in msg's illegal_tokens are dead, the others delivered, in order")
    func partialV1() {
        let message = #"{\"success\":2,\"failure\":1,\"illegal_tokens\":[\"bad\"]}"#
        let reports = Self.classifier.reports(
            Self.answer(.ok, #"{"code":"80100000","msg":"\#(message)","requestId":"1"}"#), tokens: ["a", "bad", "c"],
            evidence: .init(appKnownGood: false))
        #expect(reports[0].outcome == .delivered)
        #expect(reports[1].outcome == .invalidToken(reason: OutcomeReason("Huawei:illegal_token"), since: nil))
        #expect(reports[2].outcome == .delivered)
    }

    @Test("80100000 (v3): tokenFormatError means dead, other reasons are permanent without reporting the token")
    func partialV3() {
        let message =
            #"{\"success\":1,\"failure\":2,\"illegalTokens\":{\"tokenFormatError\":[\"x\"],\"noRight\":[\"y\"]}}"#
        let reports = Self.classifier.reports(
            Self.answer(.ok, #"{"code":"80100000","msg":"\#(message)"}"#), tokens: ["x", "y", "z"],
            evidence: .init(appKnownGood: false))
        #expect(reports[0].outcome == .invalidToken(reason: OutcomeReason("Huawei:tokenFormatError"), since: nil))
        #expect(reports[1].outcome == .permanent(reason: OutcomeReason("Huawei:noRight")))
        #expect(reports[2].outcome == .delivered)
    }

    @Test("80300007 is a dead token only for one token of an app Huawei has accepted tokens of")
    func allInvalid() {
        let dead = DeliveryOutcome.invalidToken(reason: OutcomeReason("Huawei:80300007"), since: nil)
        let doubt = DeliveryOutcome.permanent(reason: OutcomeReason("Huawei:80300007"))
        #expect(Self.outcome(.badRequest, code: "80300007", knownGood: true) == [dead])
        #expect(Self.outcome(.badRequest, code: "80300007", knownGood: false) == [doubt])
        #expect(Self.outcome(.badRequest, code: "80300007", tokens: ["a", "b"], knownGood: true) == [doubt, doubt])
    }

    @Test("permanent codes", arguments: permanentCodes)
    func permanent(code: String) {
        #expect(Self.outcome(.badRequest, code: code) == [.permanent(reason: OutcomeReason("Huawei:\(code)"))])
    }

    @Test("auth codes ask for a fresh token", arguments: ["80200001", "80200003", "80200005"])
    func authRefresh(code: String) {
        #expect(Self.outcome(.unauthorized, code: code) == [.authRefresh(reason: OutcomeReason("Huawei:\(code)"))])
    }

    @Test("retryable codes", arguments: [("80100017", 1), ("80300029", 60), ("80600003", -1), ("81000001", -1)])
    func retryable(code: String, seconds: Int) {
        let after: Duration? = seconds < 0 ? nil : .seconds(seconds)
        #expect(Self.outcome(.internalServerError, code: code) == [.retryable(after: after, stage: nil)])
    }

    @Test("80300037 (penalised) pauses the lane until the next 00:00 in Beijing")
    func suspended() {
        // 1_800_000_000 is 2027-01-15 08:00 UTC = 16:00 in Beijing; the next midnight there is 16:00 UTC.
        let until = Date(timeIntervalSince1970: 1_800_028_800)
        #expect(Self.outcome(.forbidden, code: "80300037") == [.quotaExhausted(until: until)])
    }

    @Test("an unknown code is permanent")
    func unknown() {
        #expect(Self.outcome(.ok, code: "89999999") == [.permanent(reason: OutcomeReason("Huawei:89999999"))])
    }

    @Test(
        "without a code the status decides: 503 flow control and 5xx retry, 401 refreshes, other 4xx are permanent",
        arguments: [
            (503, DeliveryOutcome.retryable(after: .seconds(1), stage: nil)),
            (502, .retryable(after: nil, stage: nil)),
            (500, .retryable(after: nil, stage: nil)),
            (401, .authRefresh(reason: OutcomeReason("Huawei:HTTP401"))),
            (404, .permanent(reason: OutcomeReason("Huawei:HTTP404"))),
            (200, .permanent(reason: OutcomeReason("Huawei:NoCode"))),
        ])
    func byStatus(status: Int, expected: DeliveryOutcome) {
        let reports = Self.classifier.reports(
            Self.answer(HTTPResponseStatus(statusCode: status), #"{"msg":"flow control"}"#), tokens: ["a"],
            evidence: .init(appKnownGood: true))
        #expect(reports.map(\.outcome) == [expected])
    }

    @Test("Retry-After on a 503 is honoured")
    func retryAfter() {
        let reports = Self.classifier.reports(
            Self.answer(.serviceUnavailable, "", headers: ["Retry-After": "7"]), tokens: ["a"],
            evidence: .init(appKnownGood: true))
        #expect(reports.map(\.outcome) == [.retryable(after: .seconds(7), stage: nil)])
    }
}
