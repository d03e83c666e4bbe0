import Foundation
import PushgateCore
import PushgateHTTPVendor

/// Turns vivo's answer to a send (or to saving a list payload) into one report per regId.
struct VivoResponseClassifier: Sendable {
    let now: @Sendable () -> Date

    func reports(_ response: VendorHTTPResponse, tokens: [String]) -> [DeliveryReport] {
        let answer = VivoAnswer(response)
        let status = Int(response.status.code)
        let messageID = answer.taskID
        func all(_ outcome: DeliveryOutcome) -> [DeliveryReport] {
            let reason = [answer.result.map(String.init), answer.description].compactMap { $0 }.joined(separator: " ")
            let report = DeliveryReport(
                outcome: outcome, vendorStatus: status, vendorReason: reason.isEmpty ? nil : reason,
                vendorMessageID: messageID)
            return Array(repeating: report, count: tokens.count)
        }
        guard let code = answer.result else {
            // vivo's HTTP 500 is plain text ("Internet server error!").
            if response.status.code >= 500 || response.status.code == 429 {
                return all(.retryable(after: response.retryAfter, stage: nil))
            }
            return all(.permanent(reason: OutcomeReason("Vivo:HTTP\(response.status.code)")))
        }
        let reason = OutcomeReason("Vivo:\(code)")
        switch VivoResultCode.classify(code) {
        case .delivered, .invalidUsers:
            let invalid = answer.invalidUsers
            return tokens.map { token in
                guard let userStatus = invalid[token] else {
                    // A 10302 without the regId named is about the one regId sent.
                    if code != 0 && tokens.count == 1 {
                        return DeliveryReport(
                            outcome: .invalidToken(reason: reason, since: nil), vendorStatus: status,
                            vendorReason: answer.description)
                    }
                    return DeliveryReport(outcome: .delivered, vendorStatus: status, vendorMessageID: messageID)
                }
                let why = OutcomeReason("Vivo:invalidUser\(userStatus)")
                return DeliveryReport(
                    outcome: VivoResultCode.deadToken(status: userStatus)
                        ? .invalidToken(reason: why, since: nil) : .permanent(reason: why),
                    vendorStatus: status, vendorReason: "invalidUser status \(userStatus)", vendorMessageID: messageID)
            }
        case .authRefresh:
            return all(.authRefresh(reason: reason))
        case .retryable(let after):
            return all(.retryable(after: after, stage: nil))
        case .quotaExhausted:
            return all(.quotaExhausted(until: VendorQuotaDay.nextReset(after: self.now())))
        case .configuration, .permanent:
            return all(.permanent(reason: reason))
        }
    }
}
