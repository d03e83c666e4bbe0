import Foundation
import Logging
import NIOPosix
import PushgateCore

/// APNs in the gateway's vendor registry: the `apps[].apns` block, its checks, and the
/// adapter built from it (ARCHITECTURE: one registration per vendor).
package struct APNSVendor: VendorRegistration {
    package init() {}

    package var vendor: Vendor { .apns }

    package var settingsKeys: Set<String> { Settings.keys }

    package func problems(_ settings: Settings, common: VendorCommonSettings, path: String) -> [String] {
        var problems: [String] = []
        if settings.topic.isEmpty { problems.append("\(path).topic: required") }
        let token = settings.key != nil || settings.keyID != nil || settings.teamID != nil
        let certificate = settings.certFile != nil
        if token == certificate {
            problems.append("\(path): give either key + key_id + team_id, or cert_file")
        } else if token && (settings.key == nil || settings.keyID == nil || settings.teamID == nil) {
            problems.append("\(path): key, key_id and team_id go together")
        }
        if let endpoint = common.endpoint, (try? APNSConfiguration.Endpoint(parsing: endpoint)) == nil {
            problems.append("\(path).endpoint: expected https://host[:port]")
        }
        return problems
    }

    package func makeAdapter(_ settings: Settings, context: VendorAdapterContext) throws -> any ProviderAdapter {
        let configuration = try Self.configuration(settings, context: context)
        do {
            return try APNSAdapter(
                configuration: configuration,
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: context.logger,
                tokenEnvironmentVerified: settings.tokenEnvironmentVerified
            )
        } catch {
            throw PushgateError.invalidConfiguration("\(context.path): \(error)")
        }
    }

    /// The adapter's configuration from the block: reads the key or certificates, the CA file
    /// and the proxy's files. Every problem names its place in the file.
    static func configuration(_ settings: Settings, context: VendorAdapterContext) throws -> APNSConfiguration {
        let path = context.path
        let authentication: APNSConfiguration.Authentication
        if let key = settings.key, let keyID = settings.keyID, let teamID = settings.teamID {
            // A bare path is the usual way to name the .p8 file; ${ENV}/file: also work.
            var pem = try ConfigurationFileReading.resolve(key, path: "\(path).key")
            if !pem.contains("-----BEGIN") { pem = try ConfigurationFileReading.read(pem, path: "\(path).key") }
            do {
                authentication = .token(try APNSSigningKey(keyID: keyID, teamID: teamID, pemRepresentation: pem))
            } catch {
                throw PushgateError.invalidConfiguration("\(path).key: \(error)")
            }
        } else if let certFile = settings.certFile {
            let chain = try ConfigurationFileReading.read(certFile, path: "\(path).cert_file")
            let key = try ConfigurationFileReading.read(settings.certKeyFile ?? certFile, path: "\(path).cert_key_file")
            authentication = .certificate(chainPEM: chain, privateKeyPEM: key)
        } else {
            throw PushgateError.invalidConfiguration("\(path): no credentials")
        }
        var configuration = APNSConfiguration(topic: settings.topic, authentication: authentication)
        if let endpoint = context.common.endpoint {
            do {
                configuration.endpoint = try APNSConfiguration.Endpoint(parsing: endpoint)
            } catch {
                throw PushgateError.invalidConfiguration("\(path).endpoint: \(error)")
            }
        }
        if let caFile = context.common.caFile {
            configuration.additionalTrustRootsPEM = try ConfigurationFileReading.read(caFile, path: "\(path).ca_file")
        }
        configuration.pool.connections = context.common.connections ?? Settings.defaultConnections
        if let connect = context.common.connectTimeout { configuration.timeouts.connect = connect.duration }
        if let request = context.common.requestTimeout { configuration.timeouts.request = request.duration }
        if let proxy = context.proxy {
            configuration.proxy = try Self.proxy(proxy, path: context.proxyPath ?? "proxies")
        }
        return configuration
    }

    private static func proxy(_ proxy: ProxySettings, path: String) throws -> APNSProxy {
        let password = try proxy.password.map { try ConfigurationFileReading.resolve($0, path: "\(path).password") }
        var apnsProxy: APNSProxy
        do {
            apnsProxy = try APNSProxy(url: proxy.url, password: password)
        } catch {
            throw PushgateError.invalidConfiguration("\(path).url: \(error)")
        }
        if let caFile = proxy.caFile {
            apnsProxy.trustRootsPEM = try ConfigurationFileReading.read(caFile, path: "\(path).ca_file")
        }
        if let certFile = proxy.clientCertFile, let keyFile = proxy.clientKeyFile {
            apnsProxy.clientCertificateChainPEM = try ConfigurationFileReading.read(
                certFile, path: "\(path).client_cert_file")
            apnsProxy.clientPrivateKeyPEM = try ConfigurationFileReading.read(keyFile, path: "\(path).client_key_file")
        }
        return apnsProxy
    }
}
