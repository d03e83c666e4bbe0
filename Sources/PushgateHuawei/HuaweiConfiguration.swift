import PushgateHTTPVendor

/// Everything the Huawei adapter needs for one app.
package struct HuaweiConfiguration: Sendable {
    /// The app's OAuth client id (AppGallery Connect's App ID), also the `{appId}` of the send URL.
    package var appID: String
    /// The app secret; sent form-encoded to the token endpoint, never logged.
    package var clientSecret: String
    /// The push API's base URL.
    package var endpoint: String = "https://push-api.cloud.huawei.com"
    /// The OAuth server's base URL.
    package var authEndpoint: String = "https://oauth-login.cloud.huawei.com"
    /// `android.category` for every message (self-classification approved by Huawei), unless
    /// `overrides.huawei` sets one.
    package var category: String?
    /// `android.notification.channel_id` when set.
    package var channelID: String?
    /// The launcher activity for `android.notification.badge.class`; badges are sent only with it.
    package var badgeClass: String?
    /// `android.target_user_type: 1`: test messages (500 per app per day, not shown as marketing).
    package var testMessages = false
    /// `validate_only: true`: Huawei checks the message and delivers nothing.
    package var validateOnly = false
    package var transport = VendorHTTPTransport.Configuration()
    /// How long a failed token fetch is not repeated (doubling from this up to a minute).
    package var tokenFetchBackoff: Duration = .seconds(1)

    package init(appID: String, clientSecret: String) {
        self.appID = appID
        self.clientSecret = clientSecret
    }

    /// The largest number of tokens in one request (Huawei: 1,000).
    package static let maxTokensPerRequest = 1000

    /// The categories Huawei's self-classification knows (VENDORS.md §1.5).
    package static let categories: Set<String> = [
        "IM", "VOIP", "SUBSCRIPTION", "TRAVEL", "HEALTH", "WORK", "ACCOUNT", "EXPRESS", "FINANCE",
        "DEVICE_REMINDER", "MAIL", "PLAY_VOICE", "MARKETING",
    ]
}
