import Foundation
import PushgateCore

/// The whole `pushgate.yaml`: only the CLI and the application builder see it; each
/// component gets its own slice.
public struct GatewayConfiguration: Sendable, Decodable {
    /// `host:port` of the REST API.
    public var listen: String = "127.0.0.1:8080"
    /// `sqlite:PATH` (default) — `postgres://…` comes with its own issue.
    public var store: String = "sqlite:pushgate.db"
    /// How long an `Idempotency-Key` is remembered.
    public var idempotencyWindow: ConfigDuration = .init(seconds: 86_400)
    /// Largest request body the API reads.
    public var maxRequestBytes: Int = 1_048_576
    public var dispatcher: Dispatcher = .init()
    /// Named CONNECT proxies that apps may route a vendor through.
    public var proxies: [String: Proxy] = [:]
    public var apps: [App] = []

    public init() {}

    // Decoded by hand because synthesized decoding ignores property defaults: every key
    // absent from the file keeps the default above.
    enum CodingKeys: String, CodingKey {
        case listen, store, idempotencyWindow, maxRequestBytes, dispatcher, proxies, apps
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GatewayConfiguration()
        self.listen = try container.decodeIfPresent(String.self, forKey: .listen) ?? defaults.listen
        self.store = try container.decodeIfPresent(String.self, forKey: .store) ?? defaults.store
        self.idempotencyWindow = try container.decodeIfPresent(ConfigDuration.self, forKey: .idempotencyWindow)
            ?? defaults.idempotencyWindow
        self.maxRequestBytes = try container.decodeIfPresent(Int.self, forKey: .maxRequestBytes) ?? defaults.maxRequestBytes
        self.dispatcher = try container.decodeIfPresent(Dispatcher.self, forKey: .dispatcher) ?? defaults.dispatcher
        self.proxies = try container.decodeIfPresent([String: Proxy].self, forKey: .proxies) ?? [:]
        self.apps = try container.decodeIfPresent([App].self, forKey: .apps) ?? []
    }

    public struct Dispatcher: Sendable, Decodable {
        /// Deliveries leased per store round trip.
        public var batchSize: Int = 200
        /// A leased delivery not recorded within this is due again (crash, hang).
        public var lease: ConfigDuration = .init(seconds: 60)
        /// Sends in flight across the gateway.
        public var maxInFlight: Int = 2_000
        /// Graceful shutdown waits this long for in-flight sends.
        public var shutdownGrace: ConfigDuration = .init(seconds: 10)

        public init() {}

        enum CodingKeys: String, CodingKey { case batchSize, lease, maxInFlight, shutdownGrace }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Dispatcher()
            self.batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
            self.lease = try container.decodeIfPresent(ConfigDuration.self, forKey: .lease) ?? defaults.lease
            self.maxInFlight = try container.decodeIfPresent(Int.self, forKey: .maxInFlight) ?? defaults.maxInFlight
            self.shutdownGrace = try container.decodeIfPresent(ConfigDuration.self, forKey: .shutdownGrace) ?? defaults.shutdownGrace
        }
    }

    public struct Proxy: Sendable, Decodable {
        public var url: String
        public var password: Secret?
        public var caFile: String?
        public var clientCertFile: String?
        public var clientKeyFile: String?
    }

    public struct App: Sendable, Decodable {
        public var id: String
        /// `sha256:<hex>` of each API key (`pushgate hash-key` prints one).
        public var apiKeys: [String]
        public var apns: APNS?
        public var rateLimit: RateLimit = .init()
        public var retry: Retry = .init()
        /// TTL for notifications that give neither `ttl` nor `expiration`.
        public var defaultTTL: ConfigDuration = .init(seconds: 86_400 * 7)
        public var webhook: Webhook?

        enum CodingKeys: String, CodingKey {
            case id, apiKeys, apns, rateLimit, retry, webhook
            case defaultTTL = "defaultTtl"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.id = try container.decode(String.self, forKey: .id)
            self.apiKeys = try container.decode([String].self, forKey: .apiKeys)
            self.apns = try container.decodeIfPresent(APNS.self, forKey: .apns)
            self.rateLimit = try container.decodeIfPresent(RateLimit.self, forKey: .rateLimit) ?? .init()
            self.retry = try container.decodeIfPresent(Retry.self, forKey: .retry) ?? .init()
            self.defaultTTL = try container.decodeIfPresent(ConfigDuration.self, forKey: .defaultTTL) ?? .init(seconds: 86_400 * 7)
            self.webhook = try container.decodeIfPresent(Webhook.self, forKey: .webhook)
        }

        public init(id: String, apiKeys: [String], apns: APNS?) {
            self.id = id
            self.apiKeys = apiKeys
            self.apns = apns
        }
    }

    public struct APNS: Sendable, Decodable {
        public var topic: String
        /// Token auth: the `.p8` key (a file path, or `${ENV}` / `file:` secret with the PEM).
        public var key: Secret?
        public var keyId: String?
        public var teamId: String?
        /// Certificate auth.
        public var certFile: String?
        public var certKeyFile: String?
        /// Another endpoint (a simulator): `https://host:port`.
        public var endpoint: String?
        public var caFile: String?
        /// The name of an entry in `proxies`.
        public var proxy: String?
        public var connections: Int = 2
        /// Report `BadDeviceToken` as a dead token (only if targets' environments are known good).
        public var tokenEnvironmentVerified: Bool = false

        public init(topic: String) { self.topic = topic }

        enum CodingKeys: String, CodingKey {
            case topic, key, keyId, teamId, certFile, certKeyFile, endpoint, caFile, proxy, connections
            case tokenEnvironmentVerified
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.topic = try container.decode(String.self, forKey: .topic)
            self.key = try container.decodeIfPresent(Secret.self, forKey: .key)
            self.keyId = try container.decodeIfPresent(String.self, forKey: .keyId)
            self.teamId = try container.decodeIfPresent(String.self, forKey: .teamId)
            self.certFile = try container.decodeIfPresent(String.self, forKey: .certFile)
            self.certKeyFile = try container.decodeIfPresent(String.self, forKey: .certKeyFile)
            self.endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
            self.caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
            self.proxy = try container.decodeIfPresent(String.self, forKey: .proxy)
            self.connections = try container.decodeIfPresent(Int.self, forKey: .connections) ?? 2
            self.tokenEnvironmentVerified = try container.decodeIfPresent(Bool.self, forKey: .tokenEnvironmentVerified) ?? false
        }
    }

    public struct RateLimit: Sendable, Decodable {
        /// Sends per second per app and vendor (APNs documents no per-app rate; the Android
        /// vendors' QPS grants are 3,000–30,000, see VENDORS.md §6).
        public var perSecond: Double = 20_000
        /// Sends in flight per app and vendor.
        public var concurrency: Int = 1_000
        public init() {}

        enum CodingKeys: String, CodingKey { case perSecond, concurrency }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.perSecond = try container.decodeIfPresent(Double.self, forKey: .perSecond) ?? RateLimit().perSecond
            self.concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency) ?? RateLimit().concurrency
        }
    }

    public struct Retry: Sendable, Decodable {
        public var maxAttempts: Int = 8
        public var initialBackoff: ConfigDuration = .init(seconds: 1)
        public var maxBackoff: ConfigDuration = .init(seconds: 600)
        public init() {}

        enum CodingKeys: String, CodingKey { case maxAttempts, initialBackoff, maxBackoff }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Retry()
            self.maxAttempts = try container.decodeIfPresent(Int.self, forKey: .maxAttempts) ?? defaults.maxAttempts
            self.initialBackoff = try container.decodeIfPresent(ConfigDuration.self, forKey: .initialBackoff)
                ?? defaults.initialBackoff
            self.maxBackoff = try container.decodeIfPresent(ConfigDuration.self, forKey: .maxBackoff) ?? defaults.maxBackoff
        }
    }

    public struct Webhook: Sendable, Decodable {
        public var url: String
        /// HMAC-SHA256 key for the `Pushgate-Signature` header.
        public var secret: Secret
    }
}

/// A secret in the configuration: `${ENV_VAR}`, `file:/path`, or the literal value. Resolved
/// once at start; never printed.
public struct Secret: Sendable, Decodable, CustomStringConvertible {
    public var reference: String

    public init(reference: String) { self.reference = reference }

    public init(from decoder: any Decoder) throws {
        self.reference = try decoder.singleValueContainer().decode(String.self)
    }

    /// The value, read from the environment or the file it names.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if self.reference.hasPrefix("${"), self.reference.hasSuffix("}") {
            let name = String(self.reference.dropFirst(2).dropLast())
            guard let value = environment[name] else {
                throw PushgateError.invalidConfiguration("environment variable \(name) is not set")
            }
            return value
        }
        if self.reference.hasPrefix("file:") {
            let path = String(self.reference.dropFirst("file:".count))
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw PushgateError.invalidConfiguration("cannot read \(path)")
            }
        }
        return self.reference
    }

    public var description: String { "<secret>" }
}

/// A duration written as `500ms`, `10s`, `5m`, `2h` or `7d`.
public struct ConfigDuration: Sendable, Decodable, Hashable {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = Self.parse(text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "\"\(text)\" is not a duration like 500ms, 10s, 5m, 2h or 7d"))
        }
        self.seconds = parsed
    }

    static func parse(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s", number.hasSuffix("m") { continue }
            if let value = Double(number), value >= 0, value.isFinite { return value * scale }
        }
        return nil
    }

    public var duration: Duration { .milliseconds(Int64(self.seconds * 1000)) }
}
