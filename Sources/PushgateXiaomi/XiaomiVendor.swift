import Foundation
import NIOPosix
import PushgateCore
import PushgateHTTPVendor

/// Xiaomi MiPush in the gateway's vendor registry: the `apps[].xiaomi` block, its checks, and
/// the adapter built from it.
package struct XiaomiVendor: VendorRegistration {
    package init() {}

    package var vendor: Vendor { .xiaomi }

    package var settingsKeys: Set<String> { Settings.keys }

    package func problems(_ settings: Settings, common: VendorCommonSettings, path: String) -> [String] {
        var problems: [String] = []
        if settings.appSecret.reference.isEmpty { problems.append("\(path).app_secret: required") }
        if !Self.isPackageName(settings.package) {
            problems.append("\(path).package: an Android package name such as com.example.app")
        }
        if let region = settings.region, XiaomiConfiguration.Region(rawValue: region) == nil {
            let known = XiaomiConfiguration.Region.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append("\(path).region: one of \(known)")
        }
        if let endpoint = common.endpoint, !VendorTransportSettings.isBaseURL(endpoint) {
            problems.append("\(path).endpoint: expected https://host[:port]")
        }
        return problems
    }

    static func isPackageName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count >= 2
            && parts.allSatisfy { part in
                guard let first = part.first, first.isASCII, first.isLetter else { return false }
                return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            }
    }

    package func makeAdapter(_ settings: Settings, context: VendorAdapterContext) throws -> any ProviderAdapter {
        let configuration = try Self.configuration(settings, context: context)
        do {
            return try XiaomiAdapter(
                configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        } catch {
            throw PushgateError.invalidConfiguration("\(context.path): \(error)")
        }
    }

    static func configuration(_ settings: Settings, context: VendorAdapterContext) throws -> XiaomiConfiguration {
        let secret = try ConfigurationFileReading.resolve(settings.appSecret, path: "\(context.path).app_secret")
        var configuration = XiaomiConfiguration(
            appSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines), packageName: settings.package)
        if let region = settings.region.flatMap(XiaomiConfiguration.Region.init(rawValue:)) {
            configuration.endpoint = region.endpoint
        }
        if let endpoint = context.common.endpoint { configuration.endpoint = VendorTransportSettings.trimmed(endpoint) }
        configuration.channelID = settings.channelID
        configuration.transport = try VendorTransportSettings.configuration(context: context)
        return configuration
    }
}

extension XiaomiVendor {
    /// The `apps[].xiaomi` block's own keys; the common keys come on top.
    package struct Settings: Sendable, Decodable {
        package var appSecret: Secret
        /// The app's package name (`restricted_package_name`).
        package var package: String
        /// `cn` (default), `global`, `ru`, `india`, `europe` or `singapore`: the devices' region.
        package var region: String?
        package var channelID: String?

        package init(appSecret: Secret, package: String) {
            self.appSecret = appSecret
            self.package = package
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case appSecret = "app_secret"
            case package, region
            case channelID = "channel_id"
        }

        static let keys = Set(CodingKeys.allCases.map(\.stringValue))
    }
}
