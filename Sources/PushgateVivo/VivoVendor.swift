import Foundation
import NIOPosix
import PushgateCore
import PushgateHTTPVendor

/// vivo Push in the gateway's vendor registry: the `apps[].vivo` block, its checks, and the
/// adapter built from it.
package struct VivoVendor: VendorRegistration {
    package init() {}

    package var vendor: Vendor { .vivo }

    package var settingsKeys: Set<String> { Settings.keys }

    package func problems(_ settings: Settings, common: VendorCommonSettings, path: String) -> [String] {
        var problems: [String] = []
        if settings.appID.isEmpty || !settings.appID.allSatisfy({ $0.isASCII && $0.isNumber }) {
            problems.append("\(path).app_id: vivo App IDs are digits")
        }
        if settings.appKey.isEmpty { problems.append("\(path).app_key: required") }
        if settings.appSecret.reference.isEmpty { problems.append("\(path).app_secret: required") }
        if settings.classification != 0 && settings.classification != 1 {
            problems.append("\(path).classification: 0 (operation) or 1 (system)")
        }
        if let category = settings.category {
            let allowed =
                settings.classification == 0
                ? VivoConfiguration.operationCategories : VivoConfiguration.systemCategories
            if !allowed.contains(category) {
                problems.append(
                    "\(path).category: one of \(allowed.sorted().joined(separator: ", ")) for this classification")
            }
        }
        if let ttl = settings.maxTimeToLive, !(60...604_800).contains(ttl.duration.components.seconds) {
            problems.append("\(path).max_time_to_live: 60s…7d")
        }
        if let endpoint = common.endpoint, !VendorTransportSettings.isBaseURL(endpoint) {
            problems.append("\(path).endpoint: expected https://host[:port]")
        }
        return problems
    }

    package func makeAdapter(_ settings: Settings, context: VendorAdapterContext) throws -> any ProviderAdapter {
        let configuration = try Self.configuration(settings, context: context)
        do {
            return try VivoAdapter(
                configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: context.logger)
        } catch {
            throw PushgateError.invalidConfiguration("\(context.path): \(error)")
        }
    }

    static func configuration(_ settings: Settings, context: VendorAdapterContext) throws -> VivoConfiguration {
        let secret = try ConfigurationFileReading.resolve(settings.appSecret, path: "\(context.path).app_secret")
        var configuration = VivoConfiguration(
            appID: settings.appID, appKey: settings.appKey,
            appSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines))
        if let endpoint = context.common.endpoint { configuration.endpoint = VendorTransportSettings.trimmed(endpoint) }
        configuration.classification = settings.classification
        configuration.category = settings.category
        configuration.testMode = settings.testMode
        if let ttl = settings.maxTimeToLive { configuration.maxTimeToLive = ttl.duration }
        configuration.transport = try VendorTransportSettings.configuration(context: context)
        return configuration
    }
}

extension VivoVendor {
    /// The `apps[].vivo` block's own keys; the common keys come on top.
    package struct Settings: Sendable, Decodable {
        package var appID: String
        package var appKey: String
        package var appSecret: Secret
        /// 1 system (default), 0 operation (07:00–23:00 Beijing only, capped per device).
        package var classification: Int = 1
        package var category: String?
        package var testMode = false
        /// vivo's current document allows 1 day, older ones 7.
        package var maxTimeToLive: ConfigDuration?

        package init(appID: String, appKey: String, appSecret: Secret) {
            self.appID = appID
            self.appKey = appKey
            self.appSecret = appSecret
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case appID = "app_id"
            case appKey = "app_key"
            case appSecret = "app_secret"
            case classification, category
            case testMode = "test_mode"
            case maxTimeToLive = "max_time_to_live"
        }

        static let keys = Set(CodingKeys.allCases.map(\.stringValue))

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // YAML reads an unquoted App ID as a number.
            if let number = try? container.decode(Int.self, forKey: .appID) {
                self.appID = String(number)
            } else {
                self.appID = try container.decode(String.self, forKey: .appID)
            }
            self.appKey = try container.decode(String.self, forKey: .appKey)
            self.appSecret = try container.decode(Secret.self, forKey: .appSecret)
            self.classification = try container.decodeIfPresent(Int.self, forKey: .classification) ?? 1
            self.category = try container.decodeIfPresent(String.self, forKey: .category)
            self.testMode = try container.decodeIfPresent(Bool.self, forKey: .testMode) ?? false
            self.maxTimeToLive = try container.decodeIfPresent(ConfigDuration.self, forKey: .maxTimeToLive)
        }
    }
}
