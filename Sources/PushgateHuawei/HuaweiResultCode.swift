/// Huawei's result codes and what the gateway does with each (VENDORS.md §1.4). One test per row
/// in HuaweiResultCodeTests. Codes not listed are `permanent` and logged with the raw answer.
enum HuaweiResultCode {
    enum Class: Equatable, Sendable {
        /// Every token accepted.
        case delivered
        /// Some tokens accepted; the others are listed in `msg`.
        case partialSuccess
        /// Every token refused: dead tokens only when the evidence is good (see the classifier).
        case allTokensInvalid
        /// The access token is stale or refused: fetch a new one, retry once.
        case authRefresh
        /// Transient on Huawei's side: retry later (`after`, when known).
        case retryable(after: Duration?)
        /// The app may not send for now (penalised): pause the lane until the next quota day.
        case suspended
        /// Retrying cannot help: the message or the app's configuration is wrong.
        case permanent
    }

    static let table: [String: Class] = [
        "80000000": .delivered,
        "80100000": .partialSuccess,
        "80100001": .permanent,  // parameter error
        "80100002": .permanent,  // sync message needs exactly one token
        "80100003": .permanent,  // message structure error
        "80100004": .permanent,  // TTL or expiry earlier than now
        "80100013": .permanent,  // collapse_key illegal
        "80100016": .permanent,  // sensitive content
        "80100017": .retryable(after: .seconds(1)),  // more than 100 concurrent topic sends
        "80100018": .permanent,  // third-party review signature mismatch
        "80100022": .permanent,  // image not risk-verified (v3)
        "80200001": .authRefresh,  // OAuth authentication error
        "80200003": .authRefresh,  // OAuth token expired
        "80200005": .authRefresh,  // JWT expired (v3)
        "80300002": .permanent,  // no push permission, or project mismatch: a configuration alarm
        "80300007": .allTokensInvalid,
        "80300008": .permanent,  // message larger than 4,096 bytes
        "80300010": .permanent,  // token count outside 1…1,000
        "80300011": .permanent,  // no permission for high-priority notifications
        "80300013": .permanent,  // receipt URL or certificate error
        "80300029": .retryable(after: .seconds(60)),  // test-message rate limit (v3)
        "80300030": .permanent,  // test message to more than 10 tokens (v3)
        "80300036": .permanent,  // JWT valid for more than a day (v3)
        "80300037": .suspended,  // app penalised, sending disabled (v3)
        "80600003": .retryable(after: nil),  // Huawei could not reach its OAuth service
        "81000001": .retryable(after: nil),  // internal error
    ]

    /// The class of `code`; group and topic management errors (82000001…82000013) are permanent,
    /// and so is any code this table does not know.
    static func classify(_ code: String) -> Class? {
        if let known = Self.table[code] { return known }
        if code.hasPrefix("8200"), let number = Int(code), (82_000_001...82_000_013).contains(number) {
            return .permanent
        }
        return nil
    }
}
