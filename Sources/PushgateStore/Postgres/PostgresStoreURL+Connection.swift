import NIOCore
import NIOSSL
import PostgresNIO

// The URL turned into postgres-nio's configurations: one for the pool, one for the dedicated
// LISTEN connection. Both carry the session settings every store connection must have.
extension PostgresStoreURL {
    /// `statement_timeout` and `idle_in_transaction_session_timeout` as startup parameters, so
    /// that they hold from the first statement of every connection (STORE-NOTES: a session
    /// idle in a transaction holds back vacuum and cost a SKIP LOCKED queue a third of its
    /// throughput).
    func sessionParameters(_ configuration: PostgresDeliveryStore.Configuration) -> [(String, String)] {
        [
            ("statement_timeout", "\(configuration.statementTimeout.storeMilliseconds)"),
            ("idle_in_transaction_session_timeout", "\(configuration.idleInTransactionTimeout.storeMilliseconds)"),
            ("application_name", "pushgate"),
        ]
    }

    /// TLS settings for `sslMode`; nil for `disable`.
    func tlsConfiguration() -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch self.sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            // libpq's meaning: encrypted, but the certificate is not checked.
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        if let root = self.sslRootCert { tls.trustRoots = .file(root) }
        return tls
    }

    func clientConfiguration(
        password: String?, configuration: PostgresDeliveryStore.Configuration
    ) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch (self.sslMode, self.tlsConfiguration()) {
            case (.disable, _), (_, nil): .disable
            case (.prefer, let settings?): .prefer(settings)
            case (_, let settings?): .require(settings)
            }
        var client = PostgresClient.Configuration(
            host: self.host, port: self.port, username: self.user, password: password, database: self.database,
            tls: tls)
        client.options.connectTimeout = configuration.connectTimeout
        client.options.maximumConnections = self.poolSize
        client.options.minimumConnections = 0
        client.options.additionalStartupParameters = self.sessionParameters(configuration)
        return client
    }

    func connectionConfiguration(
        password: String?, configuration: PostgresDeliveryStore.Configuration
    ) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch (self.sslMode, self.tlsConfiguration()) {
        case (.disable, _), (_, nil): tls = .disable
        case (.prefer, let settings?): tls = .prefer(try NIOSSLContext(configuration: settings))
        case (_, let settings?): tls = .require(try NIOSSLContext(configuration: settings))
        }
        var connection = PostgresConnection.Configuration(
            host: self.host, port: self.port, username: self.user, password: password, database: self.database,
            tls: tls)
        connection.options.connectTimeout = configuration.connectTimeout.timeAmount
        connection.options.additionalStartupParameters = self.sessionParameters(configuration)
        return connection
    }
}
