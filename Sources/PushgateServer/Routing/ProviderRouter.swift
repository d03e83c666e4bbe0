import PushgateCore
import ServiceLifecycle

/// Picks the adapter for a delivery: one adapter per app and vendor (each app has its own
/// vendor credentials). The server never parses a vendor's wire format; it asks the adapter.
///
/// The router owns its adapters' lifecycle: as a `Service` in the gateway's group it waits for
/// graceful shutdown, then shuts every adapter down once (after the dispatcher has drained,
/// since the group stops services in reverse order).
package final class ProviderRouter: Service, Sendable {
    private let adapters: [String: [Vendor: any ProviderAdapter]]

    package init(adapters: [String: [Vendor: any ProviderAdapter]]) {
        self.adapters = adapters
    }

    package func adapter(app: String, vendor: Vendor) -> (any ProviderAdapter)? {
        self.adapters[app]?[vendor]
    }

    /// The vendors an app can send to.
    package func vendors(app: String) -> Set<Vendor> {
        Set(self.adapters[app]?.keys ?? [:].keys)
    }

    package var isEmpty: Bool { self.adapters.isEmpty }

    /// Every app's adapters, sorted by app and vendor.
    package var all: [(appID: String, vendor: Vendor, adapter: any ProviderAdapter)] {
        self.adapters.sorted { $0.key < $1.key }.flatMap { app, byVendor in
            byVendor.sorted { $0.key.rawValue < $1.key.rawValue }.map { (app, $0.key, $0.value) }
        }
    }

    package func run() async throws {
        try? await gracefulShutdown()
        await self.shutdown()
    }

    /// Closes every adapter's connections after their in-flight sends finish.
    package func shutdown() async {
        await withDiscardingTaskGroup { group in
            for byVendor in self.adapters.values {
                for adapter in byVendor.values { group.addTask { await adapter.shutdown() } }
            }
        }
    }
}
