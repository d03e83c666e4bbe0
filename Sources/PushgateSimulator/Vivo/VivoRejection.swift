/// An error answer of vivo's push API: HTTP 200 with `{"result":N,"desc":"…"}`, or (for `E500`) a plain-text 500.
struct VivoRejection: Sendable, Equatable, Error {
    /// The business result code; nil for the plain-text HTTP 500.
    var result: Int?
    var desc: String

    init(_ result: Int?, _ desc: String) {
        self.result = result
        self.desc = desc
    }

    /// The key under which `Counters.rejectedByCode` counts it.
    var counterKey: String {
        self.result.map(String.init) ?? "HTTP500"
    }

    // Auth (`/message/auth`). 10200 and 10201 are documented; 10202–10204 are assumed (vivo's table is not public).
    static let appIDMissing = VivoRejection(10200, "appId不能为空")
    static let appKeyMissing = VivoRejection(10201, "appKey不能为空")
    static let appNotFound = VivoRejection(10202, "appId或appKey不合法")
    static let signInvalid = VivoRejection(10203, "sign不合法")
    static let timestampInvalid = VivoRejection(10204, "timestamp不合法")

    // Every other call.
    static let authFailed = VivoRejection(10000, "权限认证失败")
    static let appIDMismatch = VivoRejection(10094, "appId与authToken不一致")
    static let categoryInvalid = VivoRejection(10096, "category不合法")
    static let categoryMismatch = VivoRejection(10097, "category与classification不匹配")
    static let tooFrequent = VivoRejection(10072, "请求超频")
    static let quotaExceeded = VivoRejection(10070, "发送总量超过限制")
    /// Assumed code: vivo only says operation messages may be sent 07:00–23:00.
    static let outsideOperationWindow = VivoRejection(10073, "运营消息只能在07:00-23:00发送")
    static let internalServerError = VivoRejection(nil, "Internet server error!")

    /// 10055 (assumed code) naming the offending field.
    static func invalidParameter(_ field: String, _ why: String) -> VivoRejection {
        VivoRejection(10055, "参数不合法: \(field) \(why)")
    }

    /// The JSON body of the answer (nil result: not JSON, see `internalServerError`).
    var jsonBody: String {
        #"{"result":\#(self.result ?? 500),"desc":\#(JSONText.quoted(self.desc))}"#
    }
}
