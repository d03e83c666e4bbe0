import Foundation
import PushgateCore
import PushgateHTTPVendor

/// Turns Huawei's answer to one request into one report per token, in order (ARCHITECTURE
/// rule 5). Huawei answers with its code in the body whatever the HTTP status; the status
/// decides only when there is no code.
struct HuaweiResponseClassifier: Sendable {
    /// Whether a refusal of every token may be read as dead tokens: only for a request with one
    /// token, and only once this app has had a token accepted (so its app id, secret and
    /// project are known good: VENDORS.md §1.3's caveat on 80300007).
    struct Evidence {
        var appKnownGood: Bool
    }

    let now: @Sendable () -> Date

    func reports(
        _ response: VendorHTTPResponse, tokens: [String], evidence: Evidence
    ) -> [DeliveryReport] {
        let answer = HuaweiResponse(response)
        let status = Int(response.status.code)
        let reason = [answer.code, answer.message].compactMap { $0 }.joined(separator: " ")
        func all(_ outcome: DeliveryOutcome) -> [DeliveryReport] {
            let report = DeliveryReport(
                outcome: outcome, vendorStatus: status, vendorReason: reason.isEmpty ? nil : reason,
                vendorMessageID: answer.requestID)
            return Array(repeating: report, count: tokens.count)
        }
        guard let code = answer.code else { return all(Self.byStatus(response)) }
        switch HuaweiResultCode.classify(code) {
        case .delivered:
            return all(.delivered)
        case .partialSuccess:
            let refused = answer.refusedTokens ?? [:]
            return tokens.map { token in
                guard let entry = refused[token] else {
                    return DeliveryReport(outcome: .delivered, vendorStatus: status, vendorMessageID: answer.requestID)
                }
                // Other tokens of the same request were accepted, so the app's credentials and
                // project are right: v1's list, and v3's token-format reason, mean a dead token.
                let why = entry ?? "illegal_token"
                let dead = entry == nil || entry == "tokenFormatError"
                return DeliveryReport(
                    outcome: dead
                        ? .invalidToken(reason: OutcomeReason("Huawei:\(why)"), since: nil)
                        : .permanent(reason: OutcomeReason("Huawei:\(why)")),
                    vendorStatus: status, vendorReason: "\(code) \(why)", vendorMessageID: answer.requestID)
            }
        case .allTokensInvalid:
            if tokens.count == 1 && evidence.appKnownGood {
                return all(.invalidToken(reason: OutcomeReason("Huawei:\(code)"), since: nil))
            }
            return all(.permanent(reason: OutcomeReason("Huawei:\(code)")))
        case .authRefresh:
            return all(.authRefresh(reason: OutcomeReason("Huawei:\(code)")))
        case .retryable(let after):
            return all(.retryable(after: response.retryAfter ?? after, stage: nil))
        case .suspended:
            return all(.quotaExhausted(until: VendorQuotaDay.nextReset(after: self.now())))
        case .permanent, nil:
            return all(.permanent(reason: OutcomeReason("Huawei:\(code)")))
        }
    }

    /// No code in the body: 503 is Huawei's flow control, 5xx its trouble, 401 a stale token.
    static func byStatus(_ response: VendorHTTPResponse) -> DeliveryOutcome {
        switch response.status.code {
        case 200..<300:
            return .permanent(reason: OutcomeReason("Huawei:NoCode"))
        case 401:
            return .authRefresh(reason: OutcomeReason("Huawei:HTTP401"))
        case 429, 503:
            return .retryable(after: response.retryAfter ?? .seconds(1), stage: nil)
        case 500..<600:
            return .retryable(after: response.retryAfter, stage: nil)
        default:
            return .permanent(reason: OutcomeReason("Huawei:HTTP\(response.status.code)"))
        }
    }
}
