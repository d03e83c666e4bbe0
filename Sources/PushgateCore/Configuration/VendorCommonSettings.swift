/// The keys every vendor block (`apps[].apns`, `apps[].huawei`, …) accepts besides its own.
package struct VendorCommonSettings: Sendable, Decodable {
    /// Another base URL than the vendor's (a simulator, a regional host).
    package var endpoint: String?
    /// Extra PEM CA certificates to trust (simulators).
    package var caFile: String?
    /// The name of an entry in `proxies`; by default vendors are reached directly.
    package var proxy: String?
    /// Overrides keys of the app's `rate_limit` for this vendor's lane.
    package var rateLimit: RateLimitSettings.Override?
    /// Overrides keys of the app's `retry` for this vendor's lane.
    package var retry: RetrySettings.Override?
    /// Long-lived connections to keep to the vendor (nil: the adapter's default).
    package var connections: Int?
    /// TCP connect (with name resolution) to the vendor or its proxy (nil: the adapter's default).
    package var connectTimeout: ConfigDuration?
    /// From submission to the vendor's answer, queueing included; a request written and not
    /// answered by then is ambiguous (nil: the adapter's default). The dispatcher's lease must
    /// be longer.
    package var requestTimeout: ConfigDuration?

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case endpoint, proxy, connections, retry
        case caFile = "ca_file"
        case rateLimit = "rate_limit"
        case connectTimeout = "connect_timeout"
        case requestTimeout = "request_timeout"
    }

    /// The common keys, as written in the file.
    package static let keys = Set(CodingKeys.allCases.map(\.stringValue))

    /// Decodes only the common keys; the vendor's own keys are the registration's business.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
        self.caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        self.proxy = try container.decodeIfPresent(String.self, forKey: .proxy)
        self.rateLimit = try container.decodeIfPresent(RateLimitSettings.Override.self, forKey: .rateLimit)
        self.retry = try container.decodeIfPresent(RetrySettings.Override.self, forKey: .retry)
        self.connections = try container.decodeIfPresent(Int.self, forKey: .connections)
        self.connectTimeout = try container.decodeIfPresent(ConfigDuration.self, forKey: .connectTimeout)
        self.requestTimeout = try container.decodeIfPresent(ConfigDuration.self, forKey: .requestTimeout)
    }

    /// Value checks, each with its path (`apps[0].apns`); `proxies` are the configured names.
    /// The lane's merged `rate_limit` and `retry` are checked by the configuration loader.
    package func problems(path: String, proxies: Set<String>) -> [String] {
        var problems: [String] = []
        if let proxy, !proxies.contains(proxy) { problems.append("\(path).proxy: no proxy named \(proxy) in proxies") }
        if let connections, !(1...64).contains(connections) { problems.append("\(path).connections: 1…64") }
        for (key, timeout) in [("connect_timeout", self.connectTimeout), ("request_timeout", self.requestTimeout)] {
            if let timeout, timeout.duration < .milliseconds(100) { problems.append("\(path).\(key): at least 100ms") }
        }
        return problems
    }
}
