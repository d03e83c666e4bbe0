import NIOCore

/// A refusal: its reason, and a detail for the access log. The client only ever sees the status and a fixed body, so
/// nothing it sent is reflected back.
struct ProxyRefusal: Sendable, Equatable {
    var reason: RefusalReason
    /// For the log only; never contains credentials.
    var detail: String

    init(_ reason: RefusalReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    static let realm = "pushgate-proxy"

    /// The complete HTTP/1.1 response, `Connection: close`; nil for `tlsFailed`.
    func response(allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let status = self.reason.status else { return nil }
        let body = Self.body(self.reason)
        var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\n"
        head += "Content-Length: \(body.utf8.count)\r\n"
        head += "Connection: close\r\n"
        if status == 407 {
            head += "Proxy-Authenticate: Basic realm=\"\(Self.realm)\", charset=\"UTF-8\"\r\n"
        }
        head += "\r\n"
        var buffer = allocator.buffer(capacity: head.utf8.count + body.utf8.count)
        buffer.writeString(head)
        buffer.writeString(body)
        return buffer
    }

    /// Sent on success; HTTP/1.1 regardless of the request's version (RFC 9110 §9.3.6 allows any 2xx).
    static let established = "HTTP/1.1 200 Connection Established\r\n\r\n"

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 431: "Request Header Fields Too Large"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Error"
        }
    }

    private static func body(_ reason: RefusalReason) -> String {
        switch reason {
        case .authRequired: "proxy authentication required\n"
        case .authFailed: "proxy authentication failed\n"
        case .forbiddenTarget: "target not allowed\n"
        case .methodNotAllowed: "only CONNECT is supported\n"
        case .badRequest: "bad request\n"
        case .tunnelLimit: "too many tunnels\n"
        case .clientLimit: "too many tunnels from this client\n"
        case .upstreamConnectFailed: "cannot connect to the target\n"
        case .upstreamTimeout: "timed out connecting to the target\n"
        case .headerTimeout: "request head not received in time\n"
        case .headerTooLarge: "request head too large\n"
        case .tlsFailed: ""
        }
    }
}
