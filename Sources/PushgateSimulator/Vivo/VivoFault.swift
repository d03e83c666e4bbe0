/// Faults injected by regId (or alias) prefix. For a list push the first regId that has one decides for the whole
/// request. They apply after authentication, validation, the replay check and the operation window.
enum VivoFault: String, Sendable, CaseIterable {
    /// HTTP 500, plain text `Internet server error!`.
    case internalError = "E500"
    /// 10072, rate limited.
    case tooFrequent = "R072"
    /// 10070, daily volume used up.
    case quotaExceeded = "Q070"
    /// 10072 the first time the call's `requestId` is seen (per app and endpoint), accepted afterwards.
    case failOnce = "ONCE"
    /// 10000 the first time this regId is seen, and the auth token used becomes invalid.
    case expireAuthToken = "EXPT"
    /// Answered normally after `Configuration.slowDelay`.
    case slow = "SLOW"
    /// The request is read, then the connection closed without an answer.
    case drop = "DROP"
    /// Never answered; the connection stays open.
    case hang = "HANG"

    /// The first token with a fault prefix and its fault.
    static func first(in tokens: [String]) -> (fault: VivoFault, token: String)? {
        for token in tokens {
            if let fault = VivoFault(token: token) { return (fault, token) }
        }
        return nil
    }

    init?(token: String) {
        guard token.utf8.count >= 4 else { return nil }
        self.init(rawValue: String(token.prefix(4)))
    }

    /// `BAD1`…`BAD4`: an invalid regId with that `invalidUser.status` (1 unknown, 2 uninstalled/unsubscribed,
    /// 3 inactive, 4 not a test device); nil for other tokens.
    static func invalidStatus(of token: String) -> Int? {
        let utf8 = token.utf8
        guard utf8.count >= 4, token.hasPrefix("BAD") else { return nil }
        let digit = utf8[utf8.index(utf8.startIndex, offsetBy: 3)]
        guard (UInt8(ascii: "1")...UInt8(ascii: "4")).contains(digit) else { return nil }
        return Int(digit - UInt8(ascii: "0"))
    }
}
