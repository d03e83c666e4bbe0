import Foundation
import PushgateCore

/// The transport of an HTTP vendor's adapter from its block's common keys: `ca_file`,
/// `connections`, timeouts and `proxy` (a plain-HTTP CONNECT proxy; TLS to the proxy is an
/// APNs-only feature).
package enum VendorTransportSettings {
    package static func configuration(context: VendorAdapterContext) throws -> VendorHTTPTransport.Configuration {
        let common = context.common
        var configuration = VendorHTTPTransport.Configuration()
        if let caFile = common.caFile {
            configuration.additionalTrustRootsPEM = try ConfigurationFileReading.read(
                caFile, path: "\(context.path).ca_file")
        }
        if let connections = common.connections { configuration.connections = connections }
        if let connect = common.connectTimeout { configuration.connectTimeout = connect.duration }
        if let request = common.requestTimeout { configuration.requestTimeout = request.duration }
        if let proxy = context.proxy {
            configuration.proxy = try Self.proxy(proxy, path: context.proxyPath ?? "proxies")
        }
        return configuration
    }

    static func proxy(_ proxy: ProxySettings, path: String) throws -> VendorHTTPTransport.Proxy {
        guard let url = URLComponents(string: proxy.url), let host = url.host, !host.isEmpty else {
            throw PushgateError.invalidConfiguration("\(path).url: expected http://[user@]host:port")
        }
        guard url.scheme == "http" else {
            throw PushgateError.invalidConfiguration(
                "\(path).url: this vendor's adapter reaches proxies over plain http:// only (https:// is for APNs)")
        }
        let password = try proxy.password.map { try ConfigurationFileReading.resolve($0, path: "\(path).password") }
        return VendorHTTPTransport.Proxy(
            host: host, port: url.port ?? 3128, username: url.user.flatMap { $0.removingPercentEncoding ?? $0 },
            password: password ?? url.password)
    }

    /// Whether `text` is a vendor base URL: `https://host[:port]`, no path beyond `/`, no query.
    package static func isBaseURL(_ text: String) -> Bool {
        guard let url = URLComponents(string: text), url.scheme == "https", let host = url.host, !host.isEmpty else {
            return false
        }
        return url.query == nil && (url.path.isEmpty || url.path == "/")
    }

    /// A base URL without its trailing slash, so paths can be appended.
    package static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
