import Foundation
import NIOPosix
import PushgateCore
import PushgateHTTPVendor

/// Huawei Push Kit in the gateway's vendor registry: the `apps[].huawei` block, its checks, and
/// the adapter built from it.
package struct HuaweiVendor: VendorRegistration {
    package init() {}

    package var vendor: Vendor { .huawei }

    package var settingsKeys: Set<String> { Settings.keys }

    package func problems(_ settings: Settings, common: VendorCommonSettings, path: String) -> [String] {
        var problems: [String] = []
        if settings.appID.isEmpty || settings.appID.count > 64
            || !settings.appID.allSatisfy({ $0.isASCII && $0.isNumber })
        {
            problems.append("\(path).app_id: Huawei App IDs are 1…64 digits")
        }
        if settings.clientSecret.reference.isEmpty { problems.append("\(path).client_secret: required") }
        if let category = settings.category, !HuaweiConfiguration.categories.contains(category) {
            let known = HuaweiConfiguration.categories.sorted().joined(separator: ", ")
            problems.append("\(path).category: one of \(known)")
        }
        for (key, url) in [("endpoint", common.endpoint), ("auth_endpoint", settings.authEndpoint)] {
            if let url, !VendorTransportSettings.isBaseURL(url) {
                problems.append("\(path).\(key): expected https://host[:port]")
            }
        }
        return problems
    }

    package func makeAdapter(_ settings: Settings, context: VendorAdapterContext) throws -> any ProviderAdapter {
        let configuration = try Self.configuration(settings, context: context)
        do {
            return try HuaweiAdapter(
                configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: context.logger)
        } catch {
            throw PushgateError.invalidConfiguration("\(context.path): \(error)")
        }
    }

    static func configuration(_ settings: Settings, context: VendorAdapterContext) throws -> HuaweiConfiguration {
        let path = context.path
        let secret = try ConfigurationFileReading.resolve(settings.clientSecret, path: "\(path).client_secret")
        var configuration = HuaweiConfiguration(
            appID: settings.appID, clientSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines))
        if let endpoint = context.common.endpoint { configuration.endpoint = VendorTransportSettings.trimmed(endpoint) }
        if let authEndpoint = settings.authEndpoint {
            configuration.authEndpoint = VendorTransportSettings.trimmed(authEndpoint)
        }
        configuration.category = settings.category
        configuration.channelID = settings.channelID
        configuration.badgeClass = settings.badgeClass
        configuration.testMessages = settings.testMessages
        configuration.transport = try VendorTransportSettings.configuration(context: context)
        return configuration
    }
}
