import Foundation
import PushgateCore
import PushgateYAML

extension ProxyConfiguration: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case listeners, users
        case requireAuth = "require_auth"
        case allow, limits, admin, log
    }

    package init(from decoder: any Decoder) throws {
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
    package init(yaml: String) throws(ProxyConfigurationError) {
        do {
            self = try YAMLConfiguration.decode(ProxyConfiguration.self, yaml: yaml)
        } catch {
            throw ProxyConfigurationError(problems: error.problems)
        }
    }

    /// Reads and decodes a YAML file.
    package init(contentsOfFile path: String) throws(ProxyConfigurationError) {
        do {
            self = try YAMLConfiguration.decode(ProxyConfiguration.self, contentsOfFile: path)
        } catch {
            throw ProxyConfigurationError(problems: error.problems)
        }
    }
}

extension ProxyConfiguration.Listener: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case address, tls
    }

    package init(from decoder: any Decoder) throws {
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
        case certificateFile = "certificate_file"
        case privateKeyFile = "private_key_file"
        case clientCAFile = "client_ca_file"
    }

    package init(from decoder: any Decoder) throws {
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
        case name
        case passwordHash = "password_hash"
    }

    package init(from decoder: any Decoder) throws {
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
        case connectTimeout = "connect_timeout"
        case idleTimeout = "idle_timeout"
        case maxTunnels = "max_tunnels"
        case maxTunnelsPerClient = "max_tunnels_per_client"
        case maxHeaderBytes = "max_header_bytes"
        case headerTimeout = "header_timeout"
        case shutdownGrace = "shutdown_grace"
    }

    package init(from decoder: any Decoder) throws {
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

    package init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(address: try container.decode(String.self, forKey: .address))
    }
}

extension ProxyConfiguration.Log: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case accessLog = "access_log"
    }

    package init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        self.accessLog = try container.decodeIfPresent(Bool.self, forKey: .accessLog) ?? self.accessLog
    }
}
