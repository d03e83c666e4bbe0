#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A CONNECT target by host name: lower-case ASCII, without a trailing dot, and a port.
///
/// `parse` is deliberately strict. The proxy must not be an open relay, so anything that could name the same place in
/// two spellings is either normalised (case, one trailing dot) or refused: IP literals in every form `inet_aton`
/// accepts (dotted, `127.1`, `2130706433`, `0x7f.1`, octal), IPv6 with or without brackets, userinfo, paths,
/// percent-encoding, whitespace, non-ASCII (IDNs must arrive as punycode), leading zeros in the port.
struct ProxyTarget: Hashable, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    var description: String { "\(self.host):\(self.port)" }

    enum ParseError: Error, Equatable {
        /// Not a valid `host:port` (answer 400).
        case malformed(String)
        /// An IP address instead of a name (answer 403: never allowed, even if listed).
        case ipLiteral
    }

    /// Parses the request-target of a CONNECT (authority-form, RFC 9112 §3.2.3).
    static func parse(_ authority: String) -> Result<ProxyTarget, ParseError> {
        guard !authority.isEmpty else { return .failure(.malformed("empty target")) }
        guard authority.utf8.count <= 300 else { return .failure(.malformed("target too long")) }
        for byte in authority.utf8 {
            if byte >= 0x80 { return .failure(.malformed("non-ASCII target (use punycode)")) }
            if byte <= 0x20 || byte == 0x7F { return .failure(.malformed("whitespace or control character")) }
            switch byte {
            case UInt8(ascii: "@"): return .failure(.malformed("userinfo is not allowed"))
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\\"):
                return .failure(.malformed("only host:port, no path or query"))
            case UInt8(ascii: "%"): return .failure(.malformed("percent-encoding is not allowed"))
            default: continue
            }
        }

        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(.malformed("unclosed [")) }
            let address = String(authority[authority.index(after: authority.startIndex)..<close])
            guard Self.isIPv6(address) else { return .failure(.malformed("not an IPv6 address in brackets")) }
            let rest = authority[authority.index(after: close)...]
            guard rest.hasPrefix(":"), Self.port(rest.dropFirst()) != nil else {
                return .failure(.malformed("missing or invalid port"))
            }
            return .failure(.ipLiteral)
        }

        guard let colon = authority.lastIndex(of: ":") else { return .failure(.malformed("missing :port")) }
        let hostPart = authority[..<colon]
        guard let port = Self.port(authority[authority.index(after: colon)...]) else {
            return .failure(.malformed("invalid port (1...65535, no leading zeros)"))
        }
        if hostPart.contains(":") {
            return Self.isIPv6(String(hostPart)) ? .failure(.ipLiteral) : .failure(.malformed("too many colons"))
        }
        switch Self.normalizedHost(hostPart) {
        case .success(let host): return .success(ProxyTarget(host: host, port: port))
        case .failure(let error): return .failure(error)
        }
    }

    /// Lower-cases, drops one trailing dot, checks the labels, and refuses anything that is an IPv4 address.
    private static func normalizedHost(_ text: Substring) -> Result<String, ParseError> {
        var host = text.lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { return .failure(.malformed("empty host")) }
        guard host.utf8.count <= 253 else { return .failure(.malformed("host name too long")) }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty else { return .failure(.malformed("empty label in host name")) }
            guard label.utf8.count <= 63 else { return .failure(.malformed("label longer than 63 characters")) }
            guard label.utf8.allSatisfy(Self.isHostByte) else {
                return .failure(.malformed("host name may hold only letters, digits, '-', '_' and '.'"))
            }
            guard label.first != "-", label.last != "-" else {
                return .failure(.malformed("label starts or ends with '-'"))
            }
        }
        // The WHATWG URL rule: a host whose last label is a number is an IPv4 address in some notation
        // (inet_aton reads 2130706433, 0x7f.1, 017700000001 and 127.1 as 127.0.0.1). No top-level domain is numeric.
        if let last = labels.last, Self.isNumber(last) { return .failure(.ipLiteral) }
        return .success(host)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    /// Decimal, or hexadecimal with a `0x` prefix (octal is decimal digits, so covered).
    private static func isNumber(_ label: Substring) -> Bool {
        if label.hasPrefix("0x") {
            return label.dropFirst(2).allSatisfy(\.isHexDigit)
        }
        return label.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func port(_ text: Substring) -> Int? {
        guard (1...5).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }), text.first != "0",
            let value = Int(text), (1...65535).contains(value)
        else { return nil }
        return value
    }

    private static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return text.withCString { inet_pton(AF_INET6, $0, &address) } == 1
    }
}
