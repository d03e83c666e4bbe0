/// Why the proxy refused a connection: the `reason` label of `pushgate_proxy_refused_total` and the access log.
package enum RefusalReason: String, CaseIterable, Sendable {
    case authRequired = "auth_required"
    case authFailed = "auth_failed"
    case forbiddenTarget = "forbidden_target"
    case badRequest = "bad_request"
    case methodNotAllowed = "method_not_allowed"
    case tunnelLimit = "tunnel_limit"
    case clientLimit = "client_limit"
    case upstreamConnectFailed = "upstream_connect_failed"
    case upstreamTimeout = "upstream_timeout"
    case headerTimeout = "header_timeout"
    case headerTooLarge = "header_too_large"
    case tlsFailed = "tls_failed"

    /// The HTTP status answered; nil when there is no HTTP to answer in (a failed TLS handshake).
    var status: Int? {
        switch self {
        case .authRequired, .authFailed: 407
        // The issue asks for 403 for everything that is not CONNECT; 405 would invite clients to retry another way.
        case .forbiddenTarget, .methodNotAllowed: 403
        case .badRequest: 400
        case .tunnelLimit, .clientLimit: 503
        case .upstreamConnectFailed: 502
        case .upstreamTimeout: 504
        case .headerTimeout: 408
        case .headerTooLarge: 431
        case .tlsFailed: nil
        }
    }
}
