import PushgateCore

extension APNSVendor {
    /// The `apps[].apns` block's own keys; `endpoint`, `ca_file`, `proxy`, `connections`,
    /// `rate_limit` and `retry` are the common keys every vendor block has.
    package struct Settings: Sendable, Decodable {
        /// The app's bundle id (the `apns-topic` base).
        package var topic: String
        /// Token auth: the `.p8` key (a file path, or `${ENV}` / `file:` secret with the PEM).
        package var key: Secret?
        package var keyID: String?
        package var teamID: String?
        /// Certificate auth.
        package var certFile: String?
        package var certKeyFile: String?
        /// Report `BadDeviceToken` as a dead token (only if targets' environments are known good).
        package var tokenEnvironmentVerified: Bool = false

        /// Connections per environment when the block does not say.
        package static let defaultConnections = 2

        package init(topic: String) { self.topic = topic }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case topic, key
            case keyID = "key_id"
            case teamID = "team_id"
            case certFile = "cert_file"
            case certKeyFile = "cert_key_file"
            case tokenEnvironmentVerified = "token_environment_verified"
        }

        static let keys = Set(CodingKeys.allCases.map(\.stringValue))

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.topic = try container.decode(String.self, forKey: .topic)
            self.key = try container.decodeIfPresent(Secret.self, forKey: .key)
            self.keyID = try container.decodeIfPresent(String.self, forKey: .keyID)
            self.teamID = try container.decodeIfPresent(String.self, forKey: .teamID)
            self.certFile = try container.decodeIfPresent(String.self, forKey: .certFile)
            self.certKeyFile = try container.decodeIfPresent(String.self, forKey: .certKeyFile)
            self.tokenEnvironmentVerified =
                try container.decodeIfPresent(Bool.self, forKey: .tokenEnvironmentVerified) ?? false
        }
    }
}
