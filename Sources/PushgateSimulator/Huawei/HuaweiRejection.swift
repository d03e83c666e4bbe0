import NIOHTTP1

/// An error answer of the send endpoint: HTTP status, result code (none for flow control) and message.
struct HuaweiRejection: Sendable, Equatable, Error {
    var status: HTTPResponseStatus
    /// The 8-digit result code; nil for answers without one (503 flow control).
    var code: String?
    var msg: String

    init(_ status: HTTPResponseStatus, _ code: String?, _ msg: String) {
        self.status = status
        self.code = code
        self.msg = msg
    }

    /// The key under which `Counters.rejectedByCode` counts it.
    var counterKey: String {
        self.code ?? "HTTP\(self.status.code)"
    }

    static let authenticationError = HuaweiRejection(.unauthorized, "80200001", "Oauth authentication error")
    static let tokenExpired = HuaweiRejection(.unauthorized, "80200003", "Oauth Token expired")
    static let messageStructure = HuaweiRejection(.badRequest, "80100003", "Incorrect message structure")
    static let tokenCount = HuaweiRejection(
        .badRequest,
        "80300010",
        "The number of tokens in the message body exceeds the default value"
    )
    static let bodyTooLarge = HuaweiRejection(
        .badRequest, "80300008", "The message body size exceeds the default value")
    static let collapseKey = HuaweiRejection(.badRequest, "80100013", "Illegal payload, collapse_key is illegal")
    static let allTokensInvalid = HuaweiRejection(.badRequest, "80300007", "All the tokens are invalid")
    static let flowControl = HuaweiRejection(.serviceUnavailable, nil, "flow control")
    static let internalError = HuaweiRejection(.internalServerError, "81000001", "Internal error")
    static let noPermission = HuaweiRejection(.forbidden, "80300002", "no push permission")

    /// 400 80100001 naming the offending field.
    static func illegalPayload(_ which: String) -> HuaweiRejection {
        HuaweiRejection(.badRequest, "80100001", "Illegal payload, \(which)")
    }
}
