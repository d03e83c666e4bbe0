import NIOConcurrencyHelpers
import PushgateCore

/// A vendor that exists only in the tests: registering it proves that a vendor is configured,
/// routed, rate-limited and reported through the registry alone, with no server code naming it.
///
/// Its block is `apps[].<name>: {max_batch: N, label: TEXT, …common keys}`; the adapters it
/// builds are `FakeAdapter`s, kept per app so tests can look at what was sent.
package final class FakeVendor: VendorRegistration {
    package struct Settings: Sendable, Decodable {
        /// The adapter's largest batch.
        package var maxBatch: Int = 100
        /// A required key, so tests can check that vendor validation reaches the loader.
        package var label: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case maxBatch = "max_batch"
            case label
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.maxBatch = try container.decodeIfPresent(Int.self, forKey: .maxBatch) ?? 100
            self.label = try container.decode(String.self, forKey: .label)
        }
    }

    package let vendor: Vendor
    private let adapters = NIOLockedValueBox<[String: FakeAdapter]>([:])

    package init(name: String = "testvendor") {
        self.vendor = Vendor(rawValue: name)
    }

    package var settingsKeys: Set<String> { Set(Settings.CodingKeys.allCases.map(\.stringValue)) }

    package func problems(_ settings: Settings, common: VendorCommonSettings, path: String) -> [String] {
        var problems: [String] = []
        if !(1...1000).contains(settings.maxBatch) { problems.append("\(path).max_batch: 1…1000") }
        if settings.label.isEmpty { problems.append("\(path).label: required") }
        return problems
    }

    package func makeAdapter(_ settings: Settings, context: VendorAdapterContext) throws -> any ProviderAdapter {
        let adapter = FakeAdapter(vendor: self.vendor, maxBatchSize: settings.maxBatch)
        self.adapters.withLockedValue { $0[context.appID] = adapter }
        return adapter
    }

    /// The adapter built for `appID`, once the gateway has been assembled.
    package func adapter(app appID: String) -> FakeAdapter? {
        self.adapters.withLockedValue { $0[appID] }
    }
}
