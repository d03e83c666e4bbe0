/// One entry of `proxies`: a CONNECT proxy that a vendor block may send through (`proxy: NAME`).
package struct ProxySettings: Sendable, Decodable {
    /// `http://[user@]host:port` or `https://[user@]host:port`.
    package var url: String
    package var password: Secret?
    /// The CA that signed an `https://` proxy's certificate.
    package var caFile: String?
    /// A client certificate and key, when the proxy wants mutual TLS.
    package var clientCertFile: String?
    package var clientKeyFile: String?

    package init(url: String) { self.url = url }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case url, password
        case caFile = "ca_file"
        case clientCertFile = "client_cert_file"
        case clientKeyFile = "client_key_file"
    }

    package init(from decoder: any Decoder) throws {
        try StrictDecoding.rejectUnknownKeys(decoder, known: CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.url = try container.decode(String.self, forKey: .url)
        self.password = try container.decodeIfPresent(Secret.self, forKey: .password)
        self.caFile = try container.decodeIfPresent(String.self, forKey: .caFile)
        self.clientCertFile = try container.decodeIfPresent(String.self, forKey: .clientCertFile)
        self.clientKeyFile = try container.decodeIfPresent(String.self, forKey: .clientKeyFile)
    }
}
