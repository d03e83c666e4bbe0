import Logging

/// Everything the gateway knows about one vendor, in one place: its configuration block
/// (`apps[].<vendor>`), the checks on it, and how to build the app's adapter from it. The
/// server, the configuration loader and the API ask a `VendorRegistry` of these and never name
/// a vendor, so adding one is a new adapter target and one line in the registry.
package protocol VendorRegistration: Sendable {
    /// The vendor's own keys of its block, decoded without the common ones.
    associatedtype Settings: Decodable & Sendable

    /// The vendor, and the name of its block and of its targets' `vendor`.
    var vendor: Vendor { get }

    /// The block's own keys (snake_case, as written); the common keys come on top.
    var settingsKeys: Set<String> { get }

    /// Value checks on one app's block, each problem with its path (`apps[0].apns.topic: required`).
    func problems(_ settings: Settings, common: VendorCommonSettings, path: String) -> [String]

    /// Builds the adapter for one app's block. Throws `PushgateError.invalidConfiguration`
    /// naming the path for what only shows when files are read (keys, certificates).
    func makeAdapter(_ settings: Settings, context: VendorAdapterContext) throws -> any ProviderAdapter
}

/// What an adapter factory gets besides its own settings.
package struct VendorAdapterContext: Sendable {
    /// The app the adapter sends for.
    package var appID: String
    /// The block's place in the file, for error messages (`apps[0].apns`).
    package var path: String
    package var common: VendorCommonSettings
    /// The proxy named by `common.proxy`, looked up in `proxies`; its place is `proxyPath`.
    package var proxy: ProxySettings?
    package var proxyPath: String?
    /// A logger carrying the app and vendor.
    package var logger: Logger

    package init(
        appID: String, path: String, common: VendorCommonSettings, proxy: ProxySettings?, proxyPath: String?,
        logger: Logger
    ) {
        self.appID = appID
        self.path = path
        self.common = common
        self.proxy = proxy
        self.proxyPath = proxyPath
        self.logger = logger
    }
}

/// One app's decoded block for one vendor: the common keys and the vendor's own settings.
package struct VendorBlock: Sendable {
    package var vendor: Vendor
    package var common: VendorCommonSettings
    /// The registration's `Settings`.
    package var settings: any Sendable

    package init(vendor: Vendor, common: VendorCommonSettings, settings: any Sendable) {
        self.vendor = vendor
        self.common = common
        self.settings = settings
    }

    /// The vendor's own settings as their type, or nil for another vendor's block.
    package func settings<Settings>(as type: Settings.Type) -> Settings? {
        self.settings as? Settings
    }
}

extension VendorRegistration {
    /// Decodes the block at `decoder` strictly: unknown keys (neither common nor the vendor's) are problems.
    package func decodeBlock(from decoder: any Decoder) throws -> VendorBlock {
        try StrictDecoding.rejectUnknownKeys(decoder, known: self.settingsKeys.union(VendorCommonSettings.keys))
        let common = try VendorCommonSettings(from: decoder)
        let settings = try Settings(from: decoder)
        return VendorBlock(vendor: self.vendor, common: common, settings: settings)
    }

    /// `problems(_:common:path:)` for a decoded block.
    package func problems(block: VendorBlock, path: String) -> [String] {
        guard let settings = block.settings(as: Settings.self) else { return ["\(path): not a \(self.vendor) block"] }
        return self.problems(settings, common: block.common, path: path)
    }

    /// `makeAdapter(_:context:)` for a decoded block.
    package func makeAdapter(block: VendorBlock, context: VendorAdapterContext) throws -> any ProviderAdapter {
        guard let settings = block.settings(as: Settings.self) else {
            throw PushgateError.invalidConfiguration("\(context.path): not a \(self.vendor) block")
        }
        return try self.makeAdapter(settings, context: context)
    }
}
