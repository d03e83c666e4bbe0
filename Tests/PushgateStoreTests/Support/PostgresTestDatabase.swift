import Foundation
import PushgateTestSupport

@testable import PushgateStore

/// The store tests' view of `PostgresTestCluster`: a fresh database per test, and store
/// settings with room for parallel suites on two cores.
enum PostgresTestDatabase {
    static func adminURL() throws -> PostgresStoreURL { try PostgresTestCluster.adminURL() }

    /// Generous timeouts: parallel suites share two cores with the server.
    static var configuration: PostgresDeliveryStore.Configuration {
        var configuration = PostgresDeliveryStore.Configuration()
        configuration.callTimeout = .seconds(30)
        configuration.queueTimeout = .seconds(30)
        configuration.statementTimeout = .seconds(60)
        return configuration
    }

    static func with<Result>(_ body: (PostgresStoreURL) async throws -> Result) async throws -> Result {
        try await PostgresTestCluster.withDatabase(body)
    }

    @discardableResult
    static func execute(_ statements: String..., on url: PostgresStoreURL) async throws -> [String] {
        var result: [String] = []
        for statement in statements { result = try await PostgresTestCluster.execute(statement, on: url) }
        return result
    }
}
