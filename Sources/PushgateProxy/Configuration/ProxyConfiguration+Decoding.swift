import Foundation
import Yams

extension ProxyConfiguration: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case listeners, users, requireAuth = "require_auth", allow, limits, admin, log
    }

    public init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(listeners: try container.decodeIfPresent([Listener].self, forKey: .listeners) ?? [])
        self.users = try container.decodeIfPresent([User].self, forKey: .users) ?? []
        self.requireAuth = try container.decodeIfPresent(Bool.self, forKey: .requireAuth)
        self.allow = try container.decodeIfPresent([String].self, forKey: .allow) ?? Self.defaultAllow
        self.limits = try container.decodeIfPresent(Limits.self, forKey: .limits) ?? Limits()
        self.admin = try container.decodeIfPresent(Admin.self, forKey: .admin)
        self.log = try container.decodeIfPresent(Log.self, forKey: .log) ?? Log()
    }

    /// Decodes YAML, reporting every unknown key and malformed duration (with its path) at once.
    ///
    /// Does not validate: call `validate()` for the remaining checks.
    public init(yaml: String) throws(ProxyConfigurationError) {
        guard yaml.contains(where: { !$0.isWhitespace }) else {
            throw ProxyConfigurationError(path: "", "the configuration is empty")
        }
        let collector = StrictDecoding.ProblemCollector()
        let decoded: ProxyConfiguration
        do {
            decoded = try YAMLDecoder().decode(
                ProxyConfiguration.self,
                from: yaml,
                userInfo: [StrictDecoding.collectorKey: collector]
            )
        } catch let error as DecodingError {
            throw ProxyConfigurationError(problems: collector.problems + [Self.problem(error)])
        } catch {
            // Yams' parser errors say line and column.
            throw ProxyConfigurationError(problems: collector.problems + [.init(path: "", message: "\(error)")])
        }
        guard collector.problems.isEmpty else { throw ProxyConfigurationError(problems: collector.problems) }
        self = decoded
    }

    /// Reads and decodes a YAML file.
    public init(contentsOfFile path: String) throws(ProxyConfigurationError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ProxyConfigurationError(path: "", "cannot read \(path): \((error as NSError).localizedDescription)")
        }
        try self.init(yaml: text)
    }

    private static func problem(_ error: DecodingError) -> ProxyConfigurationError.Problem {
        switch error {
        case .keyNotFound(let key, let context):
            return .init(path: StrictDecoding.path(context.codingPath + [key]), message: "missing")
        case .typeMismatch(let type, let context):
            return .init(path: StrictDecoding.path(context.codingPath), message: "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            return .init(path: StrictDecoding.path(context.codingPath), message: "expected \(Self.describe(type))")
        case .dataCorrupted(let context):
            return .init(path: StrictDecoding.path(context.codingPath), message: context.debugDescription)
        @unknown default:
            return .init(path: "", message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [Any].Type: "a list"
        default: "a mapping"
        }
    }
}

extension ProxyConfiguration.Listener: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case address, tls
    }

    public init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            address: try container.decode(String.self, forKey: .address),
            tls: try container.decodeIfPresent(ProxyConfiguration.TLS.self, forKey: .tls)
        )
    }
}

extension ProxyConfiguration.TLS: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case certificateFile = "certificate_file", privateKeyFile = "private_key_file", clientCAFile = "client_ca_file"
    }

    public init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            certificateFile: try container.decode(String.self, forKey: .certificateFile),
            privateKeyFile: try container.decode(String.self, forKey: .privateKeyFile),
            clientCAFile: try container.decodeIfPresent(String.self, forKey: .clientCAFile)
        )
    }
}

extension ProxyConfiguration.User: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, passwordHash = "password_hash"
    }

    public init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            passwordHash: try container.decode(String.self, forKey: .passwordHash)
        )
    }
}

extension ProxyConfiguration.Limits: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case connectTimeout = "connect_timeout", idleTimeout = "idle_timeout", maxTunnels = "max_tunnels"
        case maxTunnelsPerClient = "max_tunnels_per_client", maxHeaderBytes = "max_header_bytes"
        case headerTimeout = "header_timeout", shutdownGrace = "shutdown_grace"
    }

    public init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        self.connectTimeout = try container.decodeDuration(
            .connectTimeout, default: self.connectTimeout, decoder: decoder)
        self.idleTimeout = try container.decodeDuration(.idleTimeout, default: self.idleTimeout, decoder: decoder)
        self.maxTunnels = try container.decodeIfPresent(Int.self, forKey: .maxTunnels) ?? self.maxTunnels
        self.maxTunnelsPerClient =
            try container.decodeIfPresent(Int.self, forKey: .maxTunnelsPerClient) ?? self.maxTunnelsPerClient
        self.maxHeaderBytes = try container.decodeIfPresent(Int.self, forKey: .maxHeaderBytes) ?? self.maxHeaderBytes
        self.headerTimeout = try container.decodeDuration(
            .headerTimeout, default: self.headerTimeout, decoder: decoder)
        self.shutdownGrace = try container.decodeDuration(
            .shutdownGrace, default: self.shutdownGrace, decoder: decoder)
    }
}

extension ProxyConfiguration.Admin: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case address
    }

    public init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(address: try container.decode(String.self, forKey: .address))
    }
}

extension ProxyConfiguration.Log: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case accessLog = "access_log"
    }

    public init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        self.accessLog = try container.decodeIfPresent(Bool.self, forKey: .accessLog) ?? self.accessLog
    }
}
