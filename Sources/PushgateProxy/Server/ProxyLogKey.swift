/// Logger metadata keys of the proxy, defined once.
enum ProxyLogKey {
    static let client = "proxy.client"
    static let user = "proxy.user"
    static let target = "proxy.target"
    /// HTTP status answered (`200` for a tunnel), or `tls_failed`.
    static let result = "proxy.result"
    static let reason = "proxy.reason"
    static let detail = "proxy.detail"
    static let bytesUp = "proxy.bytes_up"
    static let bytesDown = "proxy.bytes_down"
    static let durationMS = "proxy.duration_ms"
    static let listener = "proxy.listener"
    static let port = "proxy.port"
    /// `off`, `on` or `mutual`.
    static let tls = "proxy.tls"
    static let graceMS = "proxy.grace_ms"
    static let tunnels = "proxy.tunnels"
    static let error = "proxy.error"
}
