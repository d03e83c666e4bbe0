/// A business error of the send endpoint: HTTP 200 with `{"result":"error","code":…,"reason":…,"description":…}`.
///
/// Codes and their meaning follow Xiaomi's error table (VENDORS.md §2.4); the `reason` texts (English) and most
/// `description` texts (Chinese, as Xiaomi writes them) are assumed, since only a few real answers are documented.
struct XiaomiRejection: Sendable, Equatable, Error {
    var code: Int
    var reason: String
    var description: String

    init(_ code: Int, reason: String, description: String) {
        self.code = code
        self.reason = reason
        self.description = description
    }

    /// The key under which `Counters.rejectedByCode` counts it.
    var counterKey: String {
        String(self.code)
    }

    static let systemError = XiaomiRejection(10001, reason: "System error", description: "系统错误")
    static let systemBusy = XiaomiRejection(10002, reason: "System busy, try again later", description: "系统繁忙")
    static let tooFrequent = XiaomiRejection(
        10027, reason: "The app calls the API too frequently", description: "应用调用接口太频繁")
    static let dailyQuotaExceeded = XiaomiRejection(
        10034, reason: "The app has sent too many messages today", description: "应用当天发送消息数量超过限制")
    static let noValidTargets = XiaomiRejection(20301, reason: "No valid targets!", description: "发送消息失败")
    static let authenticationFailed = XiaomiRejection(
        21301, reason: "Authentication failed", description: "认证失败")
    static let tooManyCustomExtras = XiaomiRejection(
        65014, reason: "At most 10 custom extra fields are allowed", description: "自定义extra数量超过限制")

    /// 10016, naming the missing parameter.
    static func missingParameter(_ name: String) -> XiaomiRejection {
        XiaomiRejection(10016, reason: "Missing required parameter: \(name)", description: "缺失必选参数")
    }

    /// 10017, naming the parameter and what is wrong with it.
    static func invalidParameter(_ name: String, _ why: String) -> XiaomiRejection {
        XiaomiRejection(10017, reason: "Invalid parameter \(name): \(why)", description: "非法参数")
    }

    /// 22022 for a package name the app does not own (or none).
    static func invalidPackageName(_ name: String) -> XiaomiRejection {
        XiaomiRejection(22022, reason: "Invalid restricted_package_name: \(name)", description: "非法的包名")
    }

    /// 27001 for an `extra.channel_id` the app has not registered.
    static func channelMismatch(_ channelID: String?) -> XiaomiRejection {
        XiaomiRejection(
            27001,
            reason: "extra.channel_id \(channelID.map { "\"\($0)\"" } ?? "(missing)") is not a registered channel",
            description: "channel信息不匹配"
        )
    }

    /// 65009 for a title or description that is too long.
    static func contentTooLong(_ name: String, limit: Int) -> XiaomiRejection {
        XiaomiRejection(65009, reason: "\(name) must be shorter than \(limit) characters", description: "消息内容超长")
    }

    /// 65015 for a custom extra whose key and value together are too long.
    static func customExtraTooLong(_ key: String) -> XiaomiRejection {
        XiaomiRejection(
            65015,
            reason: "extra.\(key): key and value together exceed 1024 characters",
            description: "自定义extra长度超过限制"
        )
    }
}
