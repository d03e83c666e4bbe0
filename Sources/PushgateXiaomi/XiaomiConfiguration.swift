import PushgateHTTPVendor

/// Everything the Xiaomi adapter needs for one app.
package struct XiaomiConfiguration: Sendable {
    /// The app's AppSecret, sent as `Authorization: key=…` on every request; never logged.
    package var appSecret: String
    /// The app's package name (`restricted_package_name`).
    package var packageName: String
    /// The MiPush host for the devices' region (`Region.cn` unless told otherwise).
    package var endpoint: String = Region.cn.endpoint
    /// `extra.channel_id`: the notification channel registered in Xiaomi's console.
    package var channelID: String?
    /// The longest `time_to_live` sent: Xiaomi keeps private messages up to 10 days offline.
    package var maxTimeToLive: Duration = .seconds(10 * 86400)
    package var transport = VendorHTTPTransport.Configuration()

    package init(appSecret: String, packageName: String) {
        self.appSecret = appSecret
        self.packageName = packageName
    }

    /// The most regids in one request.
    package static let maxTokensPerRequest = 1000

    /// MiPush's hosts: devices must be reached through the host of their region (VENDORS.md §2.5).
    package enum Region: String, Sendable, CaseIterable {
        case cn, global, ru, india, europe, singapore

        package var endpoint: String {
            switch self {
            case .cn: "https://api.xmpush.xiaomi.com"
            case .global: "https://api.xmpush.global.xiaomi.com"
            case .ru: "https://ru-api.xmpush.global.xiaomi.com"
            case .india: "https://idmb-api.xmpush.global.xiaomi.com"
            case .europe: "https://fr-api.xmpush.global.xiaomi.com"
            case .singapore: "https://sgp-api.xmpush.global.xiaomi.com"
            }
        }
    }
}
