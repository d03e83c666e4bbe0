import PushgateCore

extension HuaweiVendor {
    /// The `apps[].huawei` block's own keys; `endpoint`, `ca_file`, `proxy`, `connections`,
    /// `connect_timeout`, `request_timeout`, `rate_limit` and `retry` are the common keys.
    package struct Settings: Sendable, Decodable {
        /// AppGallery Connect's App ID (the OAuth client id), digits only.
        package var appID: String
        package var clientSecret: Secret
        package var authEndpoint: String?
        package var category: String?
        package var channelID: String?
        package var badgeClass: String?
        package var testMessages = false

        package init(appID: String, clientSecret: Secret) {
            self.appID = appID
            self.clientSecret = clientSecret
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case appID = "app_id"
            case clientSecret = "client_secret"
            case authEndpoint = "auth_endpoint"
            case category
            case channelID = "channel_id"
            case badgeClass = "badge_class"
            case testMessages = "test_messages"
        }

        static let keys = Set(CodingKeys.allCases.map(\.stringValue))

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // YAML reads an unquoted App ID as a number.
            if let number = try? container.decode(Int.self, forKey: .appID) {
                self.appID = String(number)
            } else {
                self.appID = try container.decode(String.self, forKey: .appID)
            }
            self.clientSecret = try container.decode(Secret.self, forKey: .clientSecret)
            self.authEndpoint = try container.decodeIfPresent(String.self, forKey: .authEndpoint)
            self.category = try container.decodeIfPresent(String.self, forKey: .category)
            self.channelID = try container.decodeIfPresent(String.self, forKey: .channelID)
            self.badgeClass = try container.decodeIfPresent(String.self, forKey: .badgeClass)
            self.testMessages = try container.decodeIfPresent(Bool.self, forKey: .testMessages) ?? false
        }
    }
}
