import NIOCore

/// Who is on the other end of a client connection: the address for logs, the IP for per-client limits.
struct ClientEndpoint: Sendable, Equatable {
    /// `203.0.113.7:51234`, `[2001:db8::7]:51234`.
    var address: String
    /// The per-client limit key.
    var ip: String

    init(_ socketAddress: SocketAddress?) {
        guard let socketAddress, let ip = socketAddress.ipAddress else {
            self.address = "unknown"
            self.ip = "unknown"
            return
        }
        self.ip = ip
        let port = socketAddress.port.map { ":\($0)" } ?? ""
        self.address = ip.contains(":") ? "[\(ip)]\(port)" : "\(ip)\(port)"
    }
}
