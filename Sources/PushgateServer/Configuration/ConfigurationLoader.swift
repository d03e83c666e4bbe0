import Foundation
import PushgateCore
import PushgateStore
import PushgateYAML

/// Reads `pushgate.yaml` the way every Pushgate configuration is read (`YAMLConfiguration`:
/// strict keys, every problem with its path), with the vendor blocks the registry knows, then
/// checks values.
package enum ConfigurationLoader {
    /// Every problem found, each with its path in the file (`apps[0].apns.key_id: …`).
    package struct Problems: Error, CustomStringConvertible, Sendable {
        package var problems: [String]
        package var description: String { self.problems.joined(separator: "\n") }
    }

    package static func load(path: String, registry: VendorRegistry) throws -> GatewayConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problems(problems: ["\(path): cannot read the file"])
        }
        return try self.load(yaml: text, registry: registry)
    }

    package static func load(yaml text: String, registry: VendorRegistry) throws -> GatewayConfiguration {
        let configuration: GatewayConfiguration
        do {
            configuration = try YAMLConfiguration.decode(
                GatewayConfiguration.self, yaml: text, userInfo: [VendorRegistry.userInfoKey: registry])
        } catch {
            throw Problems(problems: error.problems.map(\.description))
        }
        let problems = configuration.problems(registry: registry)
        guard problems.isEmpty else { throw Problems(problems: problems) }
        return configuration
    }
}

extension GatewayConfiguration {
    /// Value checks the decoders cannot express, each with its path.
    package func problems(registry: VendorRegistry) -> [String] {
        var problems: [String] = []
        if HostAndPort(self.listen) == nil { problems.append("listen: expected host:port") }
        if let problem = DeliveryStoreFactory.problem(url: self.store) { problems.append(problem) }
        if self.maxRequestBytes < 1024 { problems.append("max_request_bytes: at least 1024") }
        if !(1...5000).contains(self.dispatcher.batchSize) { problems.append("dispatcher.batch_size: 1…5000") }
        if self.dispatcher.lease.seconds < 1 { problems.append("dispatcher.lease: at least 1s") }
        if self.dispatcher.maxInFlight < 1 { problems.append("dispatcher.max_in_flight: at least 1") }
        if self.retention.notifications.seconds < 1 { problems.append("retention.notifications: at least 1s") }
        if self.retention.invalidTokens.seconds < 1 { problems.append("retention.invalid_tokens: at least 1s") }
        if self.retention.every.seconds < 0.1 { problems.append("retention.every: at least 100ms") }
        for (name, proxy) in self.proxies.sorted(by: { $0.key < $1.key })
        where !(proxy.url.hasPrefix("http://") || proxy.url.hasPrefix("https://")) {
            problems.append("proxies.\(name).url: expected http:// or https://")
        }
        let proxyNames = Set(self.proxies.keys)
        var seen = Set<String>()
        // A key authenticates one app: the API looks keys up by digest.
        var keyOwners: [APIKeyHash: String] = [:]
        for (index, app) in self.apps.enumerated() {
            let path = "apps[\(index)]"
            if app.id.isEmpty || !app.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                problems.append("\(path).id: letters, digits, - and _ only")
            }
            if !seen.insert(app.id).inserted { problems.append("\(path).id: duplicate app id \(app.id)") }
            if app.apiKeys.isEmpty { problems.append("\(path).api_keys: at least one") }
            for (keyIndex, key) in app.apiKeys.enumerated() {
                guard let hash = APIKeyHash(stored: key) else {
                    problems.append("\(path).api_keys[\(keyIndex)]: expected sha256:<64 hex> (see `pushgate hash-key`)")
                    continue
                }
                if let owner = keyOwners[hash], owner != app.id {
                    problems.append("\(path).api_keys[\(keyIndex)]: the same key is configured for app \(owner)")
                }
                keyOwners[hash] = keyOwners[hash] ?? app.id
            }
            for vendor in registry.vendors {
                guard let block = app.vendors[vendor], let registration = registry.registration(for: vendor) else {
                    continue
                }
                let blockPath = "\(path).\(vendor.rawValue)"
                problems += registration.problems(block: block, path: blockPath)
                problems += block.common.problems(path: blockPath, proxies: proxyNames)
                // An override is checked as the lane will use it: merged over the app's defaults.
                if block.common.rateLimit != nil {
                    problems += app.rateLimit(for: vendor).problems(path: "\(blockPath).rate_limit")
                }
                if block.common.retry != nil { problems += app.retry(for: vendor).problems(path: "\(blockPath).retry") }
            }
            if app.vendors.isEmpty {
                let names = registry.vendors.map(\.rawValue).joined(separator: ", ")
                problems.append("\(path): configure at least one vendor (\(names))")
            }
            problems += app.rateLimit.problems(path: "\(path).rate_limit")
            problems += app.retry.problems(path: "\(path).retry")
            if let webhook = app.webhook, !(webhook.url.hasPrefix("http://") || webhook.url.hasPrefix("https://")) {
                problems.append("\(path).webhook.url: expected http:// or https://")
            }
        }
        if self.apps.isEmpty { problems.append("apps: at least one app") }
        return problems
    }
}

/// `host:port`, split.
package struct HostAndPort: Sendable, Hashable {
    package var host: String
    package var port: Int

    package init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
