/// Faults injected by regid prefix; the first regid of a request (in order) that has one decides for the whole
/// request. They apply after authentication and validation, before the daily quota.
enum XiaomiFault: String, Sendable, CaseIterable {
    /// HTTP 500 with the plain-text body `Internal Server Error` (no JSON).
    case internalServerError = "E500"
    /// 10001 system error.
    case systemError = "E001"
    /// 10027 too frequent.
    case tooFrequent = "R027"
    /// 10034 daily quota.
    case dailyQuota = "Q034"
    /// 10002 system busy the first time a (regid, notify_id) pair is seen, accepted afterwards.
    case failOnce = "ONCE"
    /// Answered normally after `Configuration.slowDelay`.
    case slow = "SLOW"
    /// The request is read, then the connection closed without an answer.
    case drop = "DROP"
    /// Never answered; the connection stays open.
    case hang = "HANG"

    /// The regid prefix of an invalid regid (listed in `bad_regids`); not a whole-request fault.
    static let invalidRegidPrefix = "BAD"

    /// The fault of the first regid that has one.
    static func first(in regids: [String]) -> (fault: XiaomiFault, regid: String)? {
        for regid in regids {
            if let fault = XiaomiFault(regid: regid) { return (fault, regid) }
        }
        return nil
    }

    init?(regid: String) {
        guard regid.utf8.count >= 4 else { return nil }
        self.init(rawValue: String(regid.prefix(4)))
    }

    /// Whether Xiaomi would call the regid invalid: the `BAD` prefix, or a space, which no real regid holds (it is
    /// what a `+` sent without form encoding turns into).
    static func isInvalid(_ regid: String) -> Bool {
        regid.hasPrefix(Self.invalidRegidPrefix) || regid.utf8.contains(UInt8(ascii: " "))
    }
}
