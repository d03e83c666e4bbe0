import Foundation
import Logging
import PostgresNIO
import PushgateStore

/// A fresh database per test on the cluster `PUSHGATE_TEST_POSTGRES_URL` names
/// (`scripts/postgres-test-cluster.sh start` prints it; `scripts/test.sh` sets it), dropped
/// afterwards, so that PostgreSQL tests run in parallel without seeing each other's rows.
package enum PostgresTestCluster {
    package static let environmentVariable = "PUSHGATE_TEST_POSTGRES_URL"

    package struct Unconfigured: Error, CustomStringConvertible {
        package var description: String {
            "\(PostgresTestCluster.environmentVariable) is not set: the PostgreSQL tests need a server. Run "
                + "scripts/test.sh, or eval \"$(scripts/postgres-test-cluster.sh start)\" before swift test "
                + "(or leave these suites out with --skip Postgres)"
        }
    }

    /// The cluster's own database, for creating and dropping the per-test ones.
    package static func adminURL() throws -> PostgresStoreURL {
        guard let text = ProcessInfo.processInfo.environment[Self.environmentVariable], !text.isEmpty else {
            throw Unconfigured()
        }
        return try PostgresStoreURL.parse(text)
    }

    /// Runs `body` with the URL of a new, empty database (a pool of 4), dropped afterwards.
    package static func withDatabase<Result>(_ body: (PostgresStoreURL) async throws -> Result) async throws
        -> Result
    {
        let admin = try Self.adminURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await Self.execute("CREATE DATABASE \(name)", on: admin)
        var url = admin
        url.database = name
        url.poolSize = 4
        do {
            let result = try await body(url)
            _ = try? await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            return result
        } catch {
            _ = try? await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            throw error
        }
    }

    /// The URL as `store:` takes it (the test cluster's plain-TCP password URL).
    package static func storeURL(_ url: PostgresStoreURL) throws -> String {
        let password = try url.resolvePassword() ?? ""
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? password
        return "postgres://\(url.user):\(encoded)@\(url.host):\(url.port)/\(url.database)?sslmode=disable"
            + "&pool=\(url.poolSize)"
    }

    /// Runs statements on a connection of their own and returns the first column of the last
    /// one's rows as text.
    @discardableResult
    package static func execute(_ statements: String..., on url: PostgresStoreURL) async throws -> [String] {
        var logger = Logger(label: "test.postgres-admin")
        logger.logLevel = .critical
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: try url.resolvePassword(),
                database: url.database, tls: .disable),
            id: 1, logger: logger)
        do {
            var last: [String] = []
            for statement in statements {
                last = []
                for try await row in try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) {
                    last.append(try row.makeRandomAccess()[0].decode(String?.self) ?? "")
                }
            }
            try await connection.close()
            return last
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
