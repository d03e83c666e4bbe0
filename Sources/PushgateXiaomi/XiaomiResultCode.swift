/// Xiaomi's result codes and what the gateway does with each (VENDORS.md §2.4). One test per row
/// in XiaomiResultCodeTests. Codes not listed are `permanent` and logged with the raw answer.
enum XiaomiResultCode {
    enum Class: Equatable, Sendable {
        /// Accepted; `data.bad_regids` may name refused regids.
        case delivered
        /// No target was valid: dead for a one-regid request, unproven for a batch.
        case allTargetsInvalid
        /// The regid is not a device of this app.
        case invalidToken
        /// Transient: retry later (`after`, when known).
        case retryable(after: Duration?)
        /// The app's daily quota is spent: pause the lane until 00:00 Beijing time.
        case quotaExhausted
        /// The AppSecret or package is refused: a configuration alarm that pauses the lane.
        case credentials
        /// Retrying cannot help.
        case permanent
    }

    static let table: [Int: Class] = [
        0: .delivered,
        -1: .retryable(after: nil),  // unknown error
        1: .retryable(after: nil),  // internal error
        10001: .retryable(after: nil),  // system error
        10002: .retryable(after: .seconds(1)),  // system busy
        10003: .retryable(after: nil),  // remote service error
        10008: .permanent,  // parameter error
        10012: .permanent,  // illegal request
        10016: .permanent,  // missing parameter
        10017: .permanent,  // parameter invalid
        10027: .retryable(after: .seconds(1)),  // the app calls too often: slow down
        10029: .invalidToken,  // illegal device
        10031: .permanent,  // app blacklisted
        10034: .quotaExhausted,  // too many messages today
        10036: .permanent,  // app operation forbidden
        10037: .retryable(after: nil),  // request expired
        20301: .allTargetsInvalid,  // send failed: no valid target
        21301: .credentials,  // authentication failed
        21302: .credentials,  // token authentication failed
        21303: .credentials,  // restricted request
        21305: .permanent,  // parameter
        22000: .credentials,  // illegal app
        22006: .credentials,  // illegal appId
        22007: .credentials,  // illegal appKey
        22022: .credentials,  // illegal package name
        22102: .retryable(after: nil),  // app notification send failed
        26003: .retryable(after: nil),  // internal call failed
        26004: .retryable(after: .seconds(60)),  // broadcast too frequent
        26006: .permanent,  // needs manual review
        27001: .permanent,  // channel information mismatch (extra.channel_id)
        65003: .permanent,  // device not found (usually offline): keep the regid, do not retry
        65009: .permanent,  // content too long
        65011: .permanent,  // parameter
        65014: .permanent,  // too many extras
        65015: .permanent,  // an extra too long
        65029: .retryable(after: nil),  // remote service exception
        65036: .permanent,  // callback parameter
        65037: .permanent,  // callback URL
        65038: .permanent,  // callback
    ]
}
