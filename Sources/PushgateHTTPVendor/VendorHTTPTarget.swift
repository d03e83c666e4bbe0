import Foundation

/// Where a request goes: the origin whose connections carry it, and the request target on them.
struct VendorHTTPTarget: Sendable {
    /// One pool of keep-alive connections per origin (vendors are reached over HTTPS only).
    struct Origin: Hashable, Sendable, CustomStringConvertible {
        var host: String
        var port: Int
        var description: String { "\(self.host):\(self.port)" }
    }

    var origin: Origin
    /// The path and query, percent-encoded as given.
    var path: String
    /// `Host:` as RFC 9112 wants it: the port only when it is not 443, IPv6 in brackets.
    var hostHeader: String

    /// Parses `https://host[:port][/path][?query]`; nil for anything else.
    init?(url: String) {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "https",
            let rawHost = components.host, !rawHost.isEmpty
        else { return nil }
        let port = components.port ?? 443
        guard (1...65535).contains(port) else { return nil }
        let host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        // Printable ASCII without spaces or slashes: the host goes into `Host:` and CONNECT lines.
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else { return nil }
        let hostForHeader = host.contains(":") ? "[\(host)]" : host
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        self.origin = Origin(host: host, port: port)
        self.path = path
        self.hostHeader = port == 443 ? hostForHeader : "\(hostForHeader):\(port)"
    }
}
