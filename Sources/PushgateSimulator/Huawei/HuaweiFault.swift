/// Faults injected by device-token prefix; the first token of a request (in order) that has one decides for the
/// whole request. They apply after authentication and validation, and not to `validate_only` requests.
enum HuaweiFault: String, Sendable, CaseIterable {
    /// HTTP 503 `{"msg":"flow control"}`, no `code` (real flow-control bodies are not documented).
    case flowControl = "E503"
    /// HTTP 500, 81000001.
    case internalError = "E500"
    /// HTTP 503 as `E503` the first time a (device token, identity) pair is seen, accepted afterwards.
    case failOnce = "ONCE"
    /// The first request with this device token gets 401 80200003 and its access token expires.
    case expireAccessToken = "EXPT"
    /// HTTP 403, 80300002 (no push permission).
    case noPermission = "PRMS"
    /// Answered normally after `Configuration.slowDelay`.
    case slow = "SLOW"
    /// The request is read, then the connection closed without an answer.
    case drop = "DROP"
    /// Never answered; the connection stays open.
    case hang = "HANG"

    /// The device-token prefix of an illegal token (listed in `illegal_tokens`); not a whole-request fault.
    static let illegalTokenPrefix = "DEAD"

    /// The fault of the first token that has one.
    static func first(in tokens: [String]) -> (fault: HuaweiFault, token: String)? {
        for token in tokens {
            if let fault = HuaweiFault(token: token) { return (fault, token) }
        }
        return nil
    }

    init?(token: String) {
        guard token.utf8.count >= 4 else { return nil }
        self.init(rawValue: String(token.prefix(4)))
    }
}
