import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throw-away certificate authority and server certificate for simulators, tests and demos.
///
/// Everything uses P-256 keys and ECDSA-SHA256 signatures, which BoringSSL (NIOSSL), OpenSSL (curl) and
/// Apple's stacks all accept. Nothing here is meant for production.
package struct DevelopmentCertificates: Sendable {
    /// The CA certificate clients should trust (PEM).
    package var caCertificatePEM: String
    /// The server certificate (PEM), issued by the CA.
    package var serverCertificatePEM: String
    /// The server certificate's private key (PKCS#8 PEM).
    package var serverPrivateKeyPEM: String
    /// The CA's private key (PKCS#8 PEM), kept so that client certificates can be issued later.
    var caPrivateKeyPEM: String

    /// A CA and a server certificate for the given DNS names / IP addresses (SANs), P-256 keys, made with
    /// swift-certificates.
    package static func make(
        hosts: [String] = ["localhost", "127.0.0.1"],
        validity: Duration = .seconds(86400 * 30)
    ) throws -> DevelopmentCertificates {
        guard !hosts.isEmpty else {
            throw SimulatorError("DevelopmentCertificates.make: at least one host name or IP address is needed")
        }
        let window = Self.validityWindow(validity)
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Pushgate development")
            CommonName("Pushgate development CA")
        }
        let caCertificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(caKey.publicKey),
            notValidBefore: window.notBefore,
            notValidAfter: window.notAfter,
            issuer: caName,
            subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(caKey.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )

        let serverKey = P256.Signing.PrivateKey()
        var names: [GeneralName] = []
        for host in hosts {
            if let address = Self.ipAddressBytes(host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: address[...])))
            } else {
                names.append(.dnsName(host))
            }
        }
        let serverCertificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(serverKey.publicKey),
            notValidBefore: window.notBefore,
            notValidAfter: window.notAfter,
            issuer: caName,
            subject: try DistinguishedName { CommonName(hosts[0]) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                AuthorityKeyIdentifier(keyIdentifier: Self.keyIdentifier(caKey.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )

        return DevelopmentCertificates(
            caCertificatePEM: try caCertificate.serializeAsPEM().pemString,
            serverCertificatePEM: try serverCertificate.serializeAsPEM().pemString,
            serverPrivateKeyPEM: serverKey.pemRepresentation,
            caPrivateKeyPEM: caKey.pemRepresentation
        )
    }

    /// A client certificate signed by the same CA; `uid` goes in the subject as UID (for APNs certificate auth tests).
    package func makeClientCertificate(
        commonName: String,
        uid: String?
    ) throws -> (certificatePEM: String, privateKeyPEM: String) {
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: self.caPrivateKeyPEM)
        let caCertificate = try Certificate(pemEncoded: self.caCertificatePEM)
        let window = Self.validityWindow(.seconds(86400 * 30))

        var subject = try DistinguishedName { CommonName(commonName) }
        if let uid {
            subject.append(
                RelativeDistinguishedName(
                    RelativeDistinguishedName.Attribute(type: Self.userIDOID, utf8String: uid)
                )
            )
        }
        let clientKey = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(clientKey.publicKey),
            notValidBefore: window.notBefore,
            notValidAfter: window.notAfter,
            issuer: caCertificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                AuthorityKeyIdentifier(keyIdentifier: Self.keyIdentifier(caKey.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        return (try certificate.serializeAsPEM().pemString, clientKey.pemRepresentation)
    }

    /// `userID` (UID, RFC 4519): APNs provider certificates carry the bundle ID there.
    static let userIDOID: ASN1ObjectIdentifier = [0, 9, 2342, 19_200_300, 100, 1, 1]

    // Backdated an hour so that a clock slightly behind ours still accepts the certificates.
    private static func validityWindow(_ validity: Duration) -> (notBefore: Date, notAfter: Date) {
        let now = Date()
        let seconds = Double(max(validity.components.seconds, 60))
        return (now.addingTimeInterval(-3600), now.addingTimeInterval(seconds))
    }

    // Same derivation as SubjectKeyIdentifier(hash:), so the server and client certificates point at the CA's SKI.
    private static func keyIdentifier(_ key: P256.Signing.PublicKey) -> ArraySlice<UInt8> {
        SubjectKeyIdentifier(hash: Certificate.PublicKey(key)).keyIdentifier
    }

    private static func ipAddressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
