import PushgateCore

/// Picks the adapter for a delivery: one adapter per app and vendor (each app has its own
/// vendor credentials). The server never parses a vendor's wire format; it asks the adapter.
public final class ProviderRouter: Sendable {
    private let adapters: [String: [Vendor: any ProviderAdapter]]

    public init(adapters: [String: [Vendor: any ProviderAdapter]]) {
        self.adapters = adapters
    }

    public func adapter(app: String, vendor: Vendor) -> (any ProviderAdapter)? {
        self.adapters[app]?[vendor]
    }

    /// The vendors an app can send to.
    public func vendors(app: String) -> Set<Vendor> {
        Set(self.adapters[app]?.keys ?? [:].keys)
    }

    public var isEmpty: Bool { self.adapters.isEmpty }

    public func shutdown() async {
        for byVendor in self.adapters.values {
            for adapter in byVendor.values { await adapter.shutdown() }
        }
    }
}
