import Foundation
import PushgateStore
import PushgateTestSupport
import Testing

@Suite("SQLite store contract", .timeLimit(.minutes(2)))
struct SQLiteDeliveryStoreContractTests {
    @Test(arguments: DeliveryStoreContract.Case.allCases)
    func contract(_ testCase: DeliveryStoreContract.Case) async throws {
        try await TemporaryDirectory.with { directory in
            let contract = DeliveryStoreContract {
                try await SQLiteDeliveryStore.open(
                    path: directory.path("queue-\(UUID().uuidString).sqlite"),
                    logger: StoreFixtures.logger
                )
            }
            try await contract.run(testCase)
        }
    }
}
