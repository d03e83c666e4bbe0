import Foundation
import PushgateCore
import PushgateHTTPVendor

/// Turns MiPush's answer to one request into one report per regid, in order. Xiaomi answers
/// HTTP 200 for its business errors, so the code in the body decides; HTTP 5xx without a body
/// is its trouble (VENDORS.md §2.3).
struct XiaomiResponseClassifier: Sendable {
    let now: @Sendable () -> Date

    struct Answer {
        var code: Int?
        var reason: String?
        var messageID: String?
        var badRegids: Set<String>

        init(_ response: VendorHTTPResponse) {
            let object = response.jsonObject
            switch object?["code"] {
            case .integer(let number)?: self.code = number
            case .number(let number)?: self.code = Int(exactly: number)
            case .string(let text)?: self.code = Int(text)
            default: self.code = nil
            }
            let reason = [object?["reason"], object?["description"]].compactMap { $0?.stringValue }.first
            self.reason = reason.flatMap { $0.isEmpty ? nil : $0 }
            let data = object?["data"]?.objectValue
            self.messageID = data?["id"]?.stringValue ?? object?["trace_id"]?.stringValue
            // One client spells it bad_regIds: match the key case-insensitively.
            let bad = data?.first { $0.key.lowercased() == "bad_regids" }?.value.stringValue
            self.badRegids = Set((bad ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
    }

    func reports(_ response: VendorHTTPResponse, tokens: [String]) -> [DeliveryReport] {
        let answer = Answer(response)
        let status = Int(response.status.code)
        func all(_ outcome: DeliveryOutcome) -> [DeliveryReport] {
            let reason = [answer.code.map(String.init), answer.reason].compactMap { $0 }.joined(separator: " ")
            let report = DeliveryReport(
                outcome: outcome, vendorStatus: status, vendorReason: reason.isEmpty ? nil : reason,
                vendorMessageID: answer.messageID)
            return Array(repeating: report, count: tokens.count)
        }
        guard let code = answer.code else { return all(Self.byStatus(response)) }
        let reason = OutcomeReason("Xiaomi:\(code)")
        switch XiaomiResultCode.table[code] {
        case .delivered:
            return tokens.map { token in
                guard answer.badRegids.contains(token) else {
                    return DeliveryReport(outcome: .delivered, vendorStatus: status, vendorMessageID: answer.messageID)
                }
                return DeliveryReport(
                    outcome: .invalidToken(reason: OutcomeReason("Xiaomi:bad_regid"), since: nil), vendorStatus: status,
                    vendorReason: "bad_regids", vendorMessageID: answer.messageID)
            }
        case .allTargetsInvalid:
            // One regid refused alone is dead; a whole batch refused proves nothing per regid.
            return all(tokens.count == 1 ? .invalidToken(reason: reason, since: nil) : .permanent(reason: reason))
        case .invalidToken:
            return all(.invalidToken(reason: reason, since: nil))
        case .retryable(let after):
            return all(.retryable(after: response.retryAfter ?? after, stage: nil))
        case .quotaExhausted:
            return all(.quotaExhausted(until: VendorQuotaDay.nextReset(after: self.now())))
        case .credentials:
            // Nothing was sent: pause the lane as a configuration alarm rather than fail pushes.
            return all(.retryable(after: nil, stage: .authentication))
        case .permanent, nil:
            return all(.permanent(reason: reason))
        }
    }

    static func byStatus(_ response: VendorHTTPResponse) -> DeliveryOutcome {
        switch response.status.code {
        case 429, 503: .retryable(after: response.retryAfter ?? .seconds(1), stage: nil)
        case 500..<600: .retryable(after: response.retryAfter, stage: nil)
        case 401, 403: .retryable(after: nil, stage: .authentication)
        default: .permanent(reason: OutcomeReason("Xiaomi:HTTP\(response.status.code)"))
        }
    }
}
