/// Where a send failed. Everything before `requestWrite` happened before any request byte
/// reached the vendor, so the vendor cannot have acted on it (ARCHITECTURE rule 4).
package enum FailureStage: String, Hashable, Sendable, Codable, CaseIterable {
    /// Name resolution of the vendor or proxy host.
    case resolve
    /// TCP connect to the vendor or proxy.
    case connect
    /// Name resolution of, or TCP connect to, the CONNECT proxy.
    case proxyTCP
    /// TLS handshake with the proxy.
    case proxyTLS
    /// The proxy refused or failed the CONNECT (407, 403, 502, 504, …).
    case proxyConnect
    /// TLS handshake with the vendor (through the tunnel, when proxied).
    case upstreamTLS
    /// The vendor's token endpoint gave no access token (credentials refused, rate-limited or
    /// unreachable), so the push request was never sent.
    case authentication
    /// The vendor did not agree to HTTP/2 in ALPN.
    case alpn
    /// The HTTP/2 connection preface or SETTINGS exchange did not complete.
    case http2Setup
    /// The request waited for a free stream or connection and its deadline passed first.
    case queued
    /// The vendor refused the stream (`REFUSED_STREAM`) or the stream could not be opened.
    case streamRefused
    /// GOAWAY named a last-stream-id below our stream: the vendor never processed it.
    case goAwayUnprocessed
    /// The connection closed while the request was being written: some bytes may have left.
    case requestWrite
    /// The request was written and no answer came (timeout, reset, connection loss).
    case awaitingResponse
    /// The gateway holding the delivery's lease stopped (crash, hang) before it recorded an
    /// outcome: the attempt may have reached the vendor.
    case leaseExpired

    /// Whether the vendor may have received and acted on the request. When true, a retry
    /// must reuse the delivery's vendor identity and the outcome is ambiguous.
    package var vendorMayHaveReceived: Bool {
        switch self {
        case .requestWrite, .awaitingResponse, .leaseExpired: true
        default: false
        }
    }

    /// Whether the failure says the vendor (or the proxy in front of it) cannot be reached at
    /// all, rather than that one request was turned away: such failures pause the whole lane
    /// and are probed, instead of spending each waiting delivery's attempts.
    package var indicatesUnreachable: Bool {
        switch self {
        case .resolve, .connect, .proxyTCP, .proxyTLS, .proxyConnect, .upstreamTLS, .authentication, .alpn, .http2Setup,
            .queued:
            true
        case .streamRefused, .goAwayUnprocessed, .requestWrite, .awaitingResponse, .leaseExpired: false
        }
    }

    /// Whether the failure is in the path to a proxy (reported as a proxy failure in metrics).
    package var isProxyFailure: Bool {
        self == .proxyTCP || self == .proxyTLS || self == .proxyConnect
    }
}
