import Foundation
import PushgateStore
import Testing

/// The same contract as SQLite's, against a real PostgreSQL server (a fresh database per case).
@Suite("PostgreSQL store contract", .timeLimit(.minutes(3)))
struct PostgresDeliveryStoreContractTests {
    @Test(arguments: DeliveryStoreContract.Case.allCases)
    func contract(_ testCase: DeliveryStoreContract.Case) async throws {
        try await PostgresTestDatabase.with { url in
            let contract = DeliveryStoreContract {
                try await PostgresDeliveryStore.open(
                    url: url, configuration: PostgresTestDatabase.configuration, logger: StoreFixtures.logger)
            }
            try await contract.run(testCase)
        }
    }
}
