import Foundation
import PushgateCore

/// An HTTP CONNECT proxy between the gateway and APNs (`pushgate proxy` or any standard
/// one). One tunnel carries one HTTP/2 connection; TLS to Apple stays end to end, so the
/// proxy sees neither credentials nor payloads (ARCHITECTURE rule 8).
package struct APNSProxy: Sendable, CustomStringConvertible {
    package enum Scheme: String, Sendable {
        /// CONNECT over plain TCP.
        case http
        /// CONNECT over TLS to the proxy.
        case https
    }

    package var scheme: Scheme
    package var host: String
    package var port: Int
    package var username: String?
    var password: String?
    /// CA certificates (PEM) for the proxy's TLS certificate, besides the system roots.
    package var trustRootsPEM: String?
    /// A client certificate (PEM chain and key) for proxies that require mTLS.
    package var clientCertificateChainPEM: String?
    package var clientPrivateKeyPEM: String?

    /// Parses `http://[user:password@]host:port` or `https://…`. The default port is 3128 for
    /// http and 443 for https.
    package init(url text: String, password overridePassword: String? = nil) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme.flatMap(Scheme.init(rawValue:))
        else {
            throw PushgateError.invalidInput("proxy URL must start with http:// or https://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PushgateError.invalidInput("proxy URL has no host")
        }
        if !components.path.isEmpty && components.path != "/" {
            throw PushgateError.invalidInput("proxy URL must not have a path")
        }
        let port = components.port ?? (scheme == .https ? 443 : 3128)
        guard (1...65535).contains(port) else { throw PushgateError.invalidInput("proxy URL has an invalid port") }
        self.scheme = scheme
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.username = components.user.flatMap { $0.removingPercentEncoding ?? $0 }
        self.password = overridePassword ?? components.password.flatMap { $0.removingPercentEncoding ?? $0 }
        if self.password != nil && self.username == nil {
            throw PushgateError.invalidInput("proxy URL has a password but no user")
        }
    }

    /// `Proxy-Authorization` for the CONNECT request, when a user is set.
    var authorizationHeader: String? {
        guard let username else { return nil }
        let credentials = Data((username + ":" + (self.password ?? "")).utf8).base64EncodedString()
        return "Basic " + credentials
    }

    /// Never shows the password.
    package var description: String {
        let user = self.username.map { "\($0):***@" } ?? ""
        return "\(self.scheme.rawValue)://\(user)\(self.host):\(self.port)"
    }
}
