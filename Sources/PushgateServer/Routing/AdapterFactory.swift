import Foundation
import Logging
import NIOCore
import PushgateAPNS
import PushgateCore

/// Builds each app's adapters from the configuration: reads keys, certificates and CA files,
/// resolves secrets and proxies. Every problem names its place in the configuration.
public enum AdapterFactory {
    public static func makeRouter(
        configuration: GatewayConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) throws -> ProviderRouter {
        var adapters: [String: [Vendor: any ProviderAdapter]] = [:]
        for (index, app) in configuration.apps.enumerated() {
            if let apns = app.apns {
                let path = "apps[\(index)].apns"
                var appLogger = logger
                appLogger[metadataKey: "push.app"] = "\(app.id)"
                let adapterConfiguration = try Self.apnsConfiguration(apns, proxies: configuration.proxies, path: path)
                do {
                    adapters[app.id, default: [:]][.apns] = try APNSAdapter(
                        configuration: adapterConfiguration,
                        eventLoopGroup: eventLoopGroup,
                        logger: appLogger,
                        tokenEnvironmentVerified: apns.tokenEnvironmentVerified
                    )
                } catch {
                    throw PushgateError.invalidConfiguration("\(path): \(error)")
                }
            }
        }
        return ProviderRouter(adapters: adapters)
    }

    static func apnsConfiguration(
        _ apns: GatewayConfiguration.APNS,
        proxies: [String: GatewayConfiguration.Proxy],
        path: String
    ) throws -> APNSConfiguration {
        let authentication: APNSConfiguration.Authentication
        if let key = apns.key, let keyID = apns.keyId, let teamID = apns.teamId {
            // A bare path is the usual way to name the .p8 file; ${ENV}/file: also work.
            var pem = try Self.resolve(key, path: "\(path).key")
            if !pem.contains("-----BEGIN") { pem = try Self.read(pem, path: "\(path).key") }
            do {
                authentication = .token(try APNSSigningKey(keyID: keyID, teamID: teamID, pemRepresentation: pem))
            } catch {
                throw PushgateError.invalidConfiguration("\(path).key: \(error)")
            }
        } else if let certFile = apns.certFile {
            let chain = try Self.read(certFile, path: "\(path).cert_file")
            let key = try Self.read(apns.certKeyFile ?? certFile, path: "\(path).cert_key_file")
            authentication = .certificate(chainPEM: chain, privateKeyPEM: key)
        } else {
            throw PushgateError.invalidConfiguration("\(path): no credentials")
        }
        var configuration = APNSConfiguration(topic: apns.topic, authentication: authentication)
        if let endpoint = apns.endpoint {
            do {
                configuration.endpoint = try APNSConfiguration.Endpoint(parsing: endpoint)
            } catch {
                throw PushgateError.invalidConfiguration("\(path).endpoint: \(error)")
            }
        }
        if let caFile = apns.caFile {
            configuration.additionalTrustRootsPEM = try Self.read(caFile, path: "\(path).ca_file")
        }
        configuration.pool.connections = apns.connections
        if let name = apns.proxy, let proxy = proxies[name] {
            let proxyPath = "proxies.\(name)"
            let password = try proxy.password.map { try Self.resolve($0, path: "\(proxyPath).password") }
            var apnsProxy: APNSProxy
            do {
                apnsProxy = try APNSProxy(url: proxy.url, password: password)
            } catch {
                throw PushgateError.invalidConfiguration("\(proxyPath).url: \(error)")
            }
            if let caFile = proxy.caFile { apnsProxy.trustRootsPEM = try Self.read(caFile, path: "\(proxyPath).ca_file") }
            if let certFile = proxy.clientCertFile, let keyFile = proxy.clientKeyFile {
                apnsProxy.clientCertificateChainPEM = try Self.read(certFile, path: "\(proxyPath).client_cert_file")
                apnsProxy.clientPrivateKeyPEM = try Self.read(keyFile, path: "\(proxyPath).client_key_file")
            }
            configuration.proxy = apnsProxy
        }
        return configuration
    }

    static func read(_ file: String, path: String) throws -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw PushgateError.invalidConfiguration("\(path): cannot read \(file)")
        }
    }

    static func resolve(_ secret: Secret, path: String) throws -> String {
        do {
            return try secret.resolve()
        } catch {
            throw PushgateError.invalidConfiguration("\(path): \(error)")
        }
    }
}
