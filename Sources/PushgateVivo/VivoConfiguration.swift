import PushgateHTTPVendor

/// Everything the vivo adapter needs for one app.
package struct VivoConfiguration: Sendable {
    package var appID: String
    package var appKey: String
    /// Signs the auth request; never sent or logged.
    package var appSecret: String
    package var endpoint: String = "https://api-push.vivo.com.cn"
    /// 1: system message (IM, orders, accounts…); 0: operation message (marketing), which vivo
    /// accepts only 07:00–23:00 Beijing time and caps per device per day.
    package var classification: Int = 1
    /// The second-level category, consistent with `classification` (vivo: 10097 otherwise).
    package var category: String?
    /// `pushMode: 1`: only the test devices registered in vivo's console receive it.
    package var testMode = false
    /// Title and content limits. Sources disagree on how vivo counts: the newer document counts
    /// every character as 1, the older one a CJK character as 2; the stricter reading is the default.
    package var titleLimit = 40
    package var contentLimit = 100
    package var wideCharactersCountTwice = true
    /// The longest `timeToLive`: 1 day in vivo's current document (7 days in older ones).
    package var maxTimeToLive: Duration = .seconds(86400)
    package var transport = VendorHTTPTransport.Configuration()

    package init(appID: String, appKey: String, appSecret: String) {
        self.appID = appID
        self.appKey = appKey
        self.appSecret = appSecret
    }

    /// The most regIds in one `pushToList` call; a single delivery goes through `/message/send`.
    package static let maxTokensPerRequest = 1000

    /// Second-level categories by classification (VENDORS.md §3.2).
    package static let systemCategories: Set<String> = [
        "IM", "ACCOUNT", "TODO", "DEVICE_REMINDER", "ORDER", "SUBSCRIPTION",
    ]
    package static let operationCategories: Set<String> = ["NEWS", "CONTENT", "MARKETING", "SOCIAL"]
}
