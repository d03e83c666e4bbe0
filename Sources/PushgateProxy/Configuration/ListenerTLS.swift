import Foundation
import NIOSSL
import PushgateCore

/// Turns a listener's TLS files into a server `NIOSSLContext`; failures name the field.
enum ListenerTLS {
    private static func unreadable(_ file: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            return "\(file) does not exist"
        }
        if isDirectory.boolValue { return "\(file) is a directory" }
        guard FileManager.default.isReadableFile(atPath: file) else {
            return "\(file) is not readable by this user (check owner, group and mode)"
        }
        return nil
    }

    static func makeContext(_ tls: ProxyConfiguration.TLS, path: String) throws(ProxyConfigurationError)
        -> NIOSSLContext
    {
        var problems: [ProxyConfigurationError.Problem] = []
        for (key, file) in [
            ("certificate_file", tls.certificateFile), ("private_key_file", tls.privateKeyFile),
            ("client_ca_file", tls.clientCAFile),
        ] {
            guard let file else { continue }
            if let problem = Self.unreadable(file) {
                problems.append(.init(path: "\(path).\(key)", message: problem))
            }
        }
        // NIOSSL's own errors for a missing file are cryptic; say plainly what is wrong first.
        guard problems.isEmpty else { throw ProxyConfigurationError(problems: problems) }
        var chain: [NIOSSLCertificate] = []
        var key: NIOSSLPrivateKey?
        var clientRoots: [NIOSSLCertificate]?
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile)
            if chain.isEmpty {
                problems.append(
                    .init(path: "\(path).certificate_file", message: "\(tls.certificateFile) holds no certificate"))
            }
        } catch {
            problems.append(
                .init(path: "\(path).certificate_file", message: "cannot load \(tls.certificateFile) as PEM (\(error))")
            )
        }
        do {
            key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
        } catch {
            // The error never includes key material, only NIOSSL's reason.
            problems.append(
                .init(path: "\(path).private_key_file", message: "cannot load \(tls.privateKeyFile) as PEM (\(error))")
            )
        }
        if let clientCAFile = tls.clientCAFile {
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(clientCAFile)
                if roots.isEmpty {
                    problems.append(
                        .init(path: "\(path).client_ca_file", message: "\(clientCAFile) holds no certificate"))
                } else {
                    clientRoots = roots
                }
            } catch {
                problems.append(
                    .init(path: "\(path).client_ca_file", message: "cannot load \(clientCAFile) as PEM (\(error))")
                )
            }
        }
        guard problems.isEmpty, let key else { throw ProxyConfigurationError(problems: problems) }

        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        // Clients speak HTTP/1.1 to the proxy (CONNECT); the tunnel's own TLS negotiates h2 with the target.
        configuration.applicationProtocols = ["http/1.1"]
        if let clientRoots {
            // A client has no host name to check; the chain to our CA is what authenticates it.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(clientRoots)
            configuration.sendCANameList = true
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ProxyConfigurationError(
                path: path,
                "TLS set-up failed (does private_key_file match certificate_file?): \(error)"
            )
        }
    }
}
