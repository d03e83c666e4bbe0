import Foundation
import Logging
import PostgresNIO

@testable import PushgateStore

/// A fresh database per test on the cluster `PUSHGATE_TEST_POSTGRES_URL` names
/// (`scripts/postgres-test-cluster.sh start` prints it; `scripts/test.sh` sets it), so that the
/// PostgreSQL tests run in parallel without seeing each other's rows.
enum PostgresTestDatabase {
    static let environmentVariable = "PUSHGATE_TEST_POSTGRES_URL"

    struct Unconfigured: Error, CustomStringConvertible {
        var description: String {
            "\(PostgresTestDatabase.environmentVariable) is not set: the PostgreSQL store tests need a server. Run "
                + "scripts/test.sh, or eval \"$(scripts/postgres-test-cluster.sh start)\" before swift test "
                + "(or leave these suites out with --skip Postgres)"
        }
    }

    /// The cluster's own database, for creating and dropping the per-test ones.
    static func adminURL() throws -> PostgresStoreURL {
        guard let text = ProcessInfo.processInfo.environment[Self.environmentVariable], !text.isEmpty else {
            throw Unconfigured()
        }
        return try PostgresStoreURL.parse(text)
    }

    /// Generous timeouts: parallel suites share two cores with the server.
    static var configuration: PostgresDeliveryStore.Configuration {
        var configuration = PostgresDeliveryStore.Configuration()
        configuration.callTimeout = .seconds(30)
        configuration.queueTimeout = .seconds(30)
        configuration.statementTimeout = .seconds(60)
        return configuration
    }

    /// Runs `body` with the URL of a new, empty database, dropped afterwards.
    static func with<Result>(_ body: (PostgresStoreURL) async throws -> Result) async throws -> Result {
        let admin = try Self.adminURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await Self.execute("CREATE DATABASE \(name)", on: admin)
        var url = admin
        url.database = name
        url.poolSize = 4
        do {
            let result = try await body(url)
            try? await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            return result
        } catch {
            try? await Self.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: admin)
            throw error
        }
    }

    /// Runs statements on a connection of their own (not a store's), and returns the first
    /// column of the last one's rows as text.
    @discardableResult
    static func execute(_ statements: String..., on url: PostgresStoreURL) async throws -> [String] {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(
                password: try url.resolvePassword(), configuration: .init()),
            id: 1,
            logger: StoreFixtures.logger
        )
        do {
            var last: [String] = []
            for statement in statements {
                last = []
                for try await row in try await connection.query(
                    PostgresQuery(unsafeSQL: statement), logger: StoreFixtures.logger)
                {
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
