import Foundation
import PushgateCore

/// The whole `pushgate.yaml`: only the CLI and the application builder see it; each
/// component gets its own slice. Vendor blocks (`apps[].apns`, `apps[].huawei`, …) are decoded
/// by the vendor registry found in the decoder's `userInfo`, so this model names no vendor.
package struct GatewayConfiguration: Sendable, Decodable {
    /// `host:port` of the REST API.
    package var listen: String = "127.0.0.1:8080"
    /// Where the queue lives: `sqlite:PATH` (see `DeliveryStoreFactory`).
    package var store: String = "sqlite:pushgate.db"
    /// How long an `Idempotency-Key` is remembered.
    package var idempotencyWindow = ConfigDuration(.seconds(86_400))
    /// Largest request body the API reads.
    package var maxRequestBytes: Int = 1_048_576
    package var dispatcher: Dispatcher = .init()
    /// How long finished work is kept.
    package var retention: Retention = .init()
    /// Named CONNECT proxies that a vendor block may send through.
    package var proxies: [String: ProxySettings] = [:]
    package var apps: [App] = []

    package init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, store, dispatcher, retention, proxies, apps
        case idempotencyWindow = "idempotency_window"
        case maxRequestBytes = "max_request_bytes"
    }

    // Decoded by hand because synthesized decoding ignores property defaults: every key
    // absent from the file keeps the default above.
    package init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GatewayConfiguration()
        self.listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? defaults.listen
        self.store = try container.decodeIfPresent(String.self, forKey: .store) ?? defaults.store
        self.idempotencyWindow =
            try container.decodeIfPresent(ConfigDuration.self, forKey: .idempotencyWindow)
            ?? defaults.idempotencyWindow
        self.maxRequestBytes =
            try container.decodeIfPresent(Int.self, forKey: .maxRequestBytes) ?? defaults.maxRequestBytes
        self.dispatcher = try container.decodeIfPresent(Dispatcher.self, forKey: .dispatcher) ?? defaults.dispatcher
        self.retention = try container.decodeIfPresent(Retention.self, forKey: .retention) ?? defaults.retention
        self.proxies = try container.decodeIfPresent([String: ProxySettings].self, forKey: .proxies) ?? [:]
        self.apps = try container.decodeIfPresent([App].self, forKey: .apps) ?? []
    }

    package struct Dispatcher: Sendable, Decodable {
        /// Deliveries leased per store round trip.
        package var batchSize: Int = 200
        /// A leased delivery not recorded within this is due again (crash, hang).
        package var lease = ConfigDuration(.seconds(60))
        /// Deliveries in flight across the gateway.
        package var maxInFlight: Int = 2_000
        /// Graceful shutdown waits this long for in-flight sends.
        package var shutdownGrace = ConfigDuration(.seconds(10))
        /// Hand-off after commit: what this gateway accepts is stored leased to its own
        /// dispatcher and sent without being read back. Off: stored queued for any instance.
        package var handOff: Bool = true

        package init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case lease
            case batchSize = "batch_size"
            case maxInFlight = "max_in_flight"
            case shutdownGrace = "shutdown_grace"
            case handOff = "hand_off"
        }

        package init(from decoder: any Decoder) throws {
            try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Dispatcher()
            self.batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
            self.lease = try container.decodeIfPresent(ConfigDuration.self, forKey: .lease) ?? defaults.lease
            self.maxInFlight = try container.decodeIfPresent(Int.self, forKey: .maxInFlight) ?? defaults.maxInFlight
            self.shutdownGrace =
                try container.decodeIfPresent(ConfigDuration.self, forKey: .shutdownGrace)
                ?? defaults.shutdownGrace
            self.handOff = try container.decodeIfPresent(Bool.self, forKey: .handOff) ?? defaults.handOff
        }
    }

    package struct Retention: Sendable, Decodable {
        /// Notifications whose deliveries are all final, with their deliveries, are deleted
        /// this long after the last one finished (their status then answers 404).
        package var notifications = ConfigDuration(.seconds(86_400 * 7))
        /// Invalid-token feed records are deleted this long after they were reported.
        package var invalidTokens = ConfigDuration(.seconds(86_400 * 30))
        /// How often the retention pass runs.
        package var every = ConfigDuration(.seconds(60))

        package init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case notifications, every
            case invalidTokens = "invalid_tokens"
        }

        package init(from decoder: any Decoder) throws {
            try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Retention()
            self.notifications =
                try container.decodeIfPresent(ConfigDuration.self, forKey: .notifications) ?? defaults.notifications
            self.invalidTokens =
                try container.decodeIfPresent(ConfigDuration.self, forKey: .invalidTokens) ?? defaults.invalidTokens
            self.every = try container.decodeIfPresent(ConfigDuration.self, forKey: .every) ?? defaults.every
        }
    }

    package struct App: Sendable, Decodable {
        package var id: String
        /// `sha256:<hex>` of each API key (`pushgate hash-key` prints one).
        package var apiKeys: [String]
        /// One block per vendor the app has credentials for, decoded by that vendor's registration.
        package var vendors: [Vendor: VendorBlock] = [:]
        /// The lanes' defaults; keys of a vendor block's own `rate_limit` win.
        package var rateLimit = RateLimitSettings()
        /// The lanes' defaults; keys of a vendor block's own `retry` win.
        package var retry = RetrySettings()
        /// TTL for notifications that give neither `ttl` nor `expiration`.
        package var defaultTTL = ConfigDuration(.seconds(86_400 * 7))
        package var webhook: Webhook?

        package init(id: String, apiKeys: [String], vendors: [VendorBlock] = []) {
            self.id = id
            self.apiKeys = apiKeys
            for block in vendors { self.vendors[block.vendor] = block }
        }

        /// The keys an app has besides its vendor blocks.
        static let fixedKeys: Set<String> = ["id", "api_keys", "rate_limit", "retry", "default_ttl", "webhook"]

        package init(from decoder: any Decoder) throws {
            let registry = decoder.userInfo[VendorRegistry.userInfoKey] as? VendorRegistry ?? VendorRegistry([])
            try StrictDecoding.rejectUnknownKeys(
                decoder, known: Self.fixedKeys.union(registry.vendors.map(\.rawValue)))
            let container = try decoder.container(keyedBy: StrictDecoding.AnyKey.self)
            self.id = try container.decode(String.self, forKey: .init("id"))
            self.apiKeys = try container.decode([String].self, forKey: .init("api_keys"))
            self.rateLimit =
                try container.decodeIfPresent(RateLimitSettings.self, forKey: .init("rate_limit")) ?? .init()
            self.retry = try container.decodeIfPresent(RetrySettings.self, forKey: .init("retry")) ?? .init()
            self.defaultTTL =
                try container.decodeIfPresent(ConfigDuration.self, forKey: .init("default_ttl"))
                ?? ConfigDuration(.seconds(86_400 * 7))
            self.webhook = try container.decodeIfPresent(Webhook.self, forKey: .init("webhook"))
            for vendor in registry.vendors {
                let key = StrictDecoding.AnyKey(vendor.rawValue)
                guard container.contains(key), let registration = registry.registration(for: vendor) else { continue }
                self.vendors[vendor] = try registration.decodeBlock(from: try container.superDecoder(forKey: key))
            }
        }

        /// The rate limit of the app's lane to `vendor`: the app's, with the vendor block's keys on top.
        package func rateLimit(for vendor: Vendor) -> RateLimitSettings {
            self.rateLimit.overridden(by: self.vendors[vendor]?.common.rateLimit)
        }

        /// The retry settings of the app's lane to `vendor`: the app's, with the vendor block's keys on top.
        package func retry(for vendor: Vendor) -> RetrySettings {
            self.retry.overridden(by: self.vendors[vendor]?.common.retry)
        }
    }

    package struct Webhook: Sendable, Decodable {
        package var url: String
        /// HMAC-SHA256 key for the `Pushgate-Signature` header.
        package var secret: Secret

        package init(url: String, secret: Secret) {
            self.url = url
            self.secret = secret
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case url, secret }

        package init(from decoder: any Decoder) throws {
            try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.url = try container.decode(String.self, forKey: .url)
            self.secret = try container.decode(Secret.self, forKey: .secret)
        }
    }
}
