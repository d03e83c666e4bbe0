import Logging
import PushgateCore

/// Builds each app's adapters from the configuration through the vendor registry: reads keys,
/// certificates and CA files, resolves secrets and proxies. Every problem names its place in
/// the configuration.
package enum AdapterFactory {
    package static func makeRouter(
        configuration: GatewayConfiguration,
        registry: VendorRegistry,
        logger: Logger
    ) async throws -> ProviderRouter {
        var adapters: [String: [Vendor: any ProviderAdapter]] = [:]
        var built: [any ProviderAdapter] = []
        do {
            for (index, app) in configuration.apps.enumerated() {
                for vendor in registry.vendors {
                    guard let block = app.vendors[vendor], let registration = registry.registration(for: vendor) else {
                        continue
                    }
                    var laneLogger = logger
                    laneLogger[metadataKey: "push.app"] = "\(app.id)"
                    laneLogger[metadataKey: "push.vendor"] = "\(vendor)"
                    let path = "apps[\(index)].\(vendor.rawValue)"
                    let proxy = try block.common.proxy.map { name in
                        guard let proxy = configuration.proxies[name] else {
                            throw PushgateError.invalidConfiguration("\(path).proxy: no proxy named \(name) in proxies")
                        }
                        return proxy
                    }
                    let context = VendorAdapterContext(
                        appID: app.id,
                        path: path,
                        common: block.common,
                        proxy: proxy,
                        proxyPath: block.common.proxy.map { "proxies.\($0)" },
                        logger: laneLogger
                    )
                    let adapter = try registration.makeAdapter(block: block, context: context)
                    built.append(adapter)
                    adapters[app.id, default: [:]][vendor] = adapter
                }
            }
        } catch {
            // Adapters built before the failure may hold event-loop resources: close them.
            for adapter in built { await adapter.shutdown() }
            throw error
        }
        return ProviderRouter(adapters: adapters)
    }
}
