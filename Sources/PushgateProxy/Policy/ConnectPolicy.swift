/// Decides what to do with a parsed request head: refuse it, check its credentials, or go ahead. Pure, no I/O.
///
/// Order: method and framing first (403/400 whoever asks), then credentials (407), then the target (400/403), so a
/// client without credentials learns nothing about the allowlist.
struct ConnectPolicy: Sendable, Equatable {
    var allowlist: TargetAllowlist
    /// CONNECT without valid credentials is refused.
    var requireAuth: Bool
    /// Whether any users exist; without users, credentials are ignored (there is nothing to check them against).
    var hasUsers: Bool

    enum Decision: Equatable {
        case refuse(ProxyRefusal)
        /// Verify these credentials; when they are good, apply `verdict`.
        case authenticate(BasicCredentials, verdict: TargetVerdict)
        case proceed(TargetVerdict)
    }

    enum TargetVerdict: Equatable {
        case allowed(ProxyTarget)
        case refused(ProxyRefusal)
    }

    func evaluate(_ head: ConnectRequestHead) -> Decision {
        guard head.method == "CONNECT" else {
            return .refuse(ProxyRefusal(.methodNotAllowed, "method \(Self.printable(head.method))"))
        }
        // A CONNECT has no content (RFC 9110 §9.3.6); bytes after the head belong to the tunnel, so a body length
        // would be ambiguous. Refusing it keeps the framing unambiguous.
        if !head.values("transfer-encoding").isEmpty || head.values("content-length").contains(where: { $0 != "0" }) {
            return .refuse(ProxyRefusal(.badRequest, "CONNECT with content"))
        }

        let verdict = self.verdict(head.target)
        let authorization = head.values("proxy-authorization")
        guard self.hasUsers, !authorization.isEmpty else {
            if self.requireAuth {
                return .refuse(ProxyRefusal(.authRequired, "no Proxy-Authorization"))
            }
            return .proceed(verdict)
        }
        guard authorization.count == 1, let credentials = BasicCredentials(proxyAuthorization: authorization[0]) else {
            return .refuse(ProxyRefusal(.authFailed, "Proxy-Authorization is not one valid Basic credential"))
        }
        return .authenticate(credentials, verdict: verdict)
    }

    func verdict(_ authority: String) -> TargetVerdict {
        switch ProxyTarget.parse(authority) {
        case .failure(.malformed(let reason)):
            return .refused(ProxyRefusal(.badRequest, "target \(Self.printable(authority)): \(reason)"))
        case .failure(.ipLiteral):
            return .refused(ProxyRefusal(.forbiddenTarget, "target \(Self.printable(authority)): IP literal"))
        case .success(let target):
            guard self.allowlist.contains(target) else {
                return .refused(ProxyRefusal(.forbiddenTarget, "target \(target) not in the allowlist"))
            }
            return .allowed(target)
        }
    }

    /// Client-supplied text made safe and short for a log line.
    static func printable(_ text: String) -> String {
        let cleaned = String(
            text.unicodeScalars.prefix(128).map {
                $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?"
            })
        return text.unicodeScalars.count > 128 ? cleaned + "…" : cleaned
    }
}
