/// vivo's result codes and what the gateway does with each (VENDORS.md §3.4). One test per row
/// in VivoResultCodeTests. Other 10xxx codes are parameter errors: `permanent`, logged raw.
enum VivoResultCode {
    enum Class: Equatable, Sendable {
        case delivered
        /// `invalidUser(s)` say which regIds: status 1–3 dead, 4 not a test device.
        case invalidUsers
        /// The authToken is stale: fetch a new one, resend once.
        case authRefresh
        case retryable(after: Duration?)
        /// The daily volume is spent; vivo lowers the quota of apps that keep calling.
        case quotaExhausted
        /// The app's id, key or category settings are wrong.
        case configuration
        case permanent
    }

    static let table: [Int: Class] = [
        0: .delivered,
        10000: .authRefresh,  // authToken invalid or expired
        10070: .quotaExhausted,  // total send volume over the limit
        10072: .retryable(after: .seconds(1)),  // over the rate
        10094: .configuration,  // the body's appId is not the token's
        10096: .configuration,  // invalid category
        10097: .configuration,  // category inconsistent with classification
        10252: .quotaExhausted,  // batch payloads over the limit
        10254: .quotaExhausted,  // broadcasts over the limit
        10302: .invalidUsers,  // regId or alias invalid
    ]

    static func classify(_ code: Int) -> Class {
        if let known = Self.table[code] { return known }
        // 10200…10206: the auth request's fields (app id, key, sign, timestamp).
        if (10200...10206).contains(code) { return .configuration }
        return .permanent
    }

    /// What `invalidUser.status` says about the regId.
    static func deadToken(status: Int) -> Bool {
        (1...3).contains(status)  // 1 unknown, 2 uninstalled or unsubscribed, 3 inactive; 4 is not a test device
    }
}
