import Foundation
import NIOCore
import NIOHTTP1
import PushgateCore
import PushgateHTTPVendor
import Testing

@testable import PushgateXiaomi

/// One case per row of Xiaomi's code table (VENDORS.md §2.4), through the classifier: the
/// answer's body in (HTTP 200, as Xiaomi sends its errors), one report per regid out.
@Suite("Xiaomi result codes")
struct XiaomiResultCodeTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let classifier = XiaomiResponseClassifier(now: { XiaomiResultCodeTests.now })

    static func reports(_ body: String, status: HTTPResponseStatus = .ok, tokens: [String] = ["r1"]) -> [DeliveryReport]
    {
        Self.classifier.reports(VendorHTTPResponse(status: status, body: ByteBuffer(string: body)), tokens: tokens)
    }

    static func outcome(_ code: Int, tokens: [String] = ["r1"]) -> [DeliveryOutcome] {
        Self.reports(#"{"result":"error","code":\#(code),"reason":"r","trace_id":"Xcm1"}"#, tokens: tokens).map(
            \.outcome)
    }

    @Test("code 0 delivers every regid but those in data.bad_regids, in order, with the message id")
    func success() {
        let reports = Self.reports(
            #"{"result":"ok","code":0,"data":{"id":"scm01","bad_regids":"b+1/x,b2"}}"#,
            tokens: ["a", "b+1/x", "c", "b2"])
        #expect(reports.map(\.outcome.kind) == [.delivered, .invalidToken, .delivered, .invalidToken])
        #expect(reports.allSatisfy { $0.vendorMessageID == "scm01" })
    }

    @Test("bad_regIds spelled with a capital I is read too")
    func badRegidsSpelling() {
        let reports = Self.reports(#"{"result":"ok","code":0,"data":{"id":"s","bad_regIds":"b"}}"#, tokens: ["a", "b"])
        #expect(reports.map(\.outcome.kind) == [.delivered, .invalidToken])
    }

    @Test("20301: a lone regid is dead; a whole batch refused proves nothing per regid")
    func allTargetsInvalid() {
        #expect(Self.outcome(20301) == [.invalidToken(reason: OutcomeReason("Xiaomi:20301"), since: nil)])
        let permanent = DeliveryOutcome.permanent(reason: OutcomeReason("Xiaomi:20301"))
        #expect(Self.outcome(20301, tokens: ["a", "b"]) == [permanent, permanent])
    }

    static let rows: [(Int, DeliveryOutcome)] = {
        let retry = DeliveryOutcome.retryable(after: nil, stage: nil)
        let credentials = DeliveryOutcome.retryable(after: nil, stage: .authentication)
        func permanent(_ code: Int) -> DeliveryOutcome { .permanent(reason: OutcomeReason("Xiaomi:\(code)")) }
        return [
            (-1, retry), (1, retry), (10001, retry), (10002, .retryable(after: .seconds(1), stage: nil)),
            (10003, retry), (10008, permanent(10008)), (10012, permanent(10012)), (10016, permanent(10016)),
            (10017, permanent(10017)), (10027, .retryable(after: .seconds(1), stage: nil)),
            (10029, .invalidToken(reason: OutcomeReason("Xiaomi:10029"), since: nil)), (10031, permanent(10031)),
            (10034, .quotaExhausted(until: Date(timeIntervalSince1970: 1_800_028_800))), (10036, permanent(10036)),
            (10037, retry), (21301, credentials), (21302, credentials), (21303, credentials),
            (21305, permanent(21305)), (22000, credentials), (22006, credentials), (22007, credentials),
            (22022, credentials), (22102, retry), (26003, retry), (26004, .retryable(after: .seconds(60), stage: nil)),
            (26006, permanent(26006)), (27001, permanent(27001)), (65003, permanent(65003)),
            (65009, permanent(65009)), (65011, permanent(65011)), (65014, permanent(65014)),
            (65015, permanent(65015)), (65029, retry), (65036, permanent(65036)), (65037, permanent(65037)),
            (65038, permanent(65038)), (99999, permanent(99999)),
        ]
    }()

    @Test("each code of the table, and an unknown one", arguments: rows)
    func row(code: Int, expected: DeliveryOutcome) {
        #expect(Self.outcome(code) == [expected])
    }

    @Test("every row of the table has a case here")
    func everyRowTested() {
        #expect(
            Set(XiaomiResultCode.table.keys).subtracting([0, 20301]) == Set(Self.rows.map(\.0)).subtracting([99999]))
    }

    @Test(
        "without a JSON code the status decides",
        arguments: [
            (500, DeliveryOutcome.retryable(after: nil, stage: nil)),
            (503, .retryable(after: .seconds(1), stage: nil)),
            (401, .retryable(after: nil, stage: .authentication)),
            (404, .permanent(reason: OutcomeReason("Xiaomi:HTTP404"))),
        ])
    func byStatus(status: Int, expected: DeliveryOutcome) {
        #expect(
            Self.reports("Internal Server Error", status: HTTPResponseStatus(statusCode: status)).map(\.outcome) == [
                expected
            ])
    }
}
