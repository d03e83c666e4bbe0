import ArgumentParser
import Foundation
import PushgateAPNS
import PushgateCore

/// The flags that say how to reach APNs, shared by `send apns` and `bench apns`.
struct APNSConnectionOptions: ParsableArguments {
    @Option(name: .customLong("key-file"), help: "Token auth: the .p8 key (PKCS#8 PEM).")
    var keyFile: String?

    @Option(name: .customLong("key-id"), help: "Token auth: the key's 10-character id.")
    var keyID: String?

    @Option(name: .customLong("team-id"), help: "Token auth: the 10-character team id.")
    var teamID: String?

    @Option(name: .customLong("cert-file"), help: "Certificate auth: client certificate (PEM) or PKCS#12 (.p12).")
    var certFile: String?

    @Option(name: .customLong("cert-key-file"), help: "Certificate auth: the client certificate's private key (PEM).")
    var certKeyFile: String?

    @Option(
        name: .customLong("cert-passphrase-env"),
        help: "Certificate auth with a .p12: the environment variable holding its passphrase."
    )
    var certPassphraseEnv: String?

    @Option(name: .long, help: "The app's bundle id (apns-topic before any push-type suffix).")
    var topic: String

    @Option(name: .long, help: "production or sandbox.")
    var environment: DeviceTarget.Environment = .production

    @Option(name: .long, help: "Another APNs endpoint, https://host:port (a simulator, or port 2197).")
    var endpoint: String?

    @Option(name: .customLong("ca-file"), help: "Extra CA certificate(s) to trust (PEM), e.g. a simulator's.")
    var caFile: String?

    @Option(help: "Send through this CONNECT proxy: http[s]://[user[:password]@]host:port.")
    var proxy: String?

    @Option(name: .customLong("proxy-password-env"), help: "The environment variable holding the proxy password.")
    var proxyPasswordEnv: String?

    @Option(name: .customLong("proxy-ca-file"), help: "CA certificate(s) for an https:// proxy (PEM).")
    var proxyCAFile: String?

    @Option(name: .customLong("proxy-cert-file"), help: "Client certificate for a proxy that requires mTLS (PEM).")
    var proxyCertFile: String?

    @Option(name: .customLong("proxy-key-file"), help: "The proxy client certificate's private key (PEM).")
    var proxyKeyFile: String?

    @Option(name: .long, help: "HTTP/2 connections per environment.")
    var connections: Int = 1

    @Option(name: .customLong("timeout"), help: "Per-request timeout in seconds.")
    var timeoutSeconds: Double = 15

    func validate() throws {
        let tokenAuth = self.keyFile != nil || self.keyID != nil || self.teamID != nil
        let certificateAuth = self.certFile != nil || self.certKeyFile != nil
        if tokenAuth && certificateAuth {
            throw ValidationError("use either --key-file/--key-id/--team-id or --cert-file, not both")
        }
        if tokenAuth && (self.keyFile == nil || self.keyID == nil || self.teamID == nil) {
            throw ValidationError("token auth needs --key-file, --key-id and --team-id together")
        }
        if !tokenAuth && !certificateAuth {
            throw ValidationError("give credentials: --key-file --key-id --team-id, or --cert-file [--cert-key-file]")
        }
        if self.connections < 1 || self.connections > 64 {
            throw ValidationError("--connections must be between 1 and 64")
        }
        if self.proxy == nil, self.proxyCAFile != nil || self.proxyCertFile != nil || self.proxyPasswordEnv != nil {
            throw ValidationError("--proxy-ca-file, --proxy-cert-file and --proxy-password-env need --proxy")
        }
        if (self.proxyCertFile == nil) != (self.proxyKeyFile == nil) {
            throw ValidationError("--proxy-cert-file and --proxy-key-file go together")
        }
        if !(self.timeoutSeconds > 0 && self.timeoutSeconds <= 600) {
            throw ValidationError("--timeout must be between 0 and 600 seconds")
        }
    }

    func makeConfiguration() throws -> APNSConfiguration {
        let authentication: APNSConfiguration.Authentication
        if let keyFile, let keyID, let teamID {
            let pem = try readUserFile(keyFile, flag: "--key-file")
            do {
                authentication = .token(try APNSSigningKey(keyID: keyID, teamID: teamID, pemRepresentation: pem))
            } catch {
                throw CLIError("--key-file \(keyFile): \(error)")
            }
        } else if let certFile {
            if certFile.hasSuffix(".p12") || certFile.hasSuffix(".pfx") {
                guard let bytes = FileManager.default.contents(atPath: certFile) else {
                    throw CLIError("--cert-file: cannot read \(certFile)")
                }
                let passphrase = self.certPassphraseEnv.flatMap { ProcessInfo.processInfo.environment[$0] }
                authentication = .pkcs12(bytes: Array(bytes), passphrase: passphrase)
            } else {
                let chain = try readUserFile(certFile, flag: "--cert-file")
                let key = try readUserFile(self.certKeyFile ?? certFile, flag: "--cert-key-file")
                authentication = .certificate(chainPEM: chain, privateKeyPEM: key)
            }
        } else {
            throw ValidationError("no credentials given")
        }
        var configuration = APNSConfiguration(topic: self.topic, authentication: authentication)
        if let endpoint {
            do {
                configuration.endpoint = try APNSConfiguration.Endpoint(parsing: endpoint)
            } catch {
                throw CLIError("--endpoint: \(error)")
            }
        }
        if let caFile {
            configuration.additionalTrustRootsPEM = try readUserFile(caFile, flag: "--ca-file")
        }
        if let proxyURL = self.proxy {
            let password = self.proxyPasswordEnv.flatMap { ProcessInfo.processInfo.environment[$0] }
            if let name = self.proxyPasswordEnv, password == nil {
                throw CLIError("--proxy-password-env: \(name) is not set")
            }
            var proxy: APNSProxy
            do {
                proxy = try APNSProxy(url: proxyURL, password: password)
            } catch {
                throw CLIError("--proxy: \(error)")
            }
            if let proxyCAFile { proxy.trustRootsPEM = try readUserFile(proxyCAFile, flag: "--proxy-ca-file") }
            if let proxyCertFile, let proxyKeyFile {
                proxy.clientCertificateChainPEM = try readUserFile(proxyCertFile, flag: "--proxy-cert-file")
                proxy.clientPrivateKeyPEM = try readUserFile(proxyKeyFile, flag: "--proxy-key-file")
            }
            configuration.proxy = proxy
        }
        configuration.pool.connections = self.connections
        configuration.timeouts.request = .milliseconds(Int64(self.timeoutSeconds * 1000))
        return configuration
    }
}

extension DeviceTarget.Environment: ExpressibleByArgument {}
