import NIOCore
import Testing

@testable import PushgateProxy

@Suite("CONNECT decisions")
struct ConnectPolicyTests {
    static let allowlist = try! TargetAllowlist(entries: ["api.push.apple.com:443", "localhost:2197"])
    static let authenticated = ConnectPolicy(allowlist: allowlist, requireAuth: true, hasUsers: true)
    static let open = ConnectPolicy(allowlist: allowlist, requireAuth: false, hasUsers: false)
    // "gateway:secret"
    static let goodAuthorization = ("Proxy-Authorization", "Basic Z2F0ZXdheTpzZWNyZXQ=")

    static func head(
        _ method: String = "CONNECT",
        _ target: String = "api.push.apple.com:443",
        _ headers: [(String, String)] = []
    ) -> ConnectRequestHead {
        ConnectRequestHead(
            method: method,
            target: target,
            minorVersion: 1,
            headers: headers.map { (name: $0.0, value: $0.1) }
        )
    }

    static func reason(_ decision: ConnectPolicy.Decision) -> RefusalReason? {
        switch decision {
        case .refuse(let refusal): refusal.reason
        case .proceed(.refused(let refusal)): refusal.reason
        case .authenticate(_, .refused(let refusal)): refusal.reason
        default: nil
        }
    }

    @Test("Allowed target without required auth goes ahead")
    func openProceeds() {
        #expect(
            Self.open.evaluate(Self.head()) == .proceed(.allowed(ProxyTarget(host: "api.push.apple.com", port: 443))))
        #expect(
            Self.open.evaluate(Self.head("CONNECT", "LOCALHOST.:2197"))
                == .proceed(.allowed(ProxyTarget(host: "localhost", port: 2197))))
    }

    @Test(
        "Refusals and their reasons",
        arguments: [
            (head("GET", "http://api.push.apple.com:443/"), RefusalReason.methodNotAllowed),
            (head("connect"), .methodNotAllowed),
            (head("POST", "api.push.apple.com:443"), .methodNotAllowed),
            (head("CONNECT", "api.push.apple.com:2197"), .forbiddenTarget),
            (head("CONNECT", "example.com:443"), .forbiddenTarget),
            (head("CONNECT", "127.0.0.1:2197"), .forbiddenTarget),
            (head("CONNECT", "[::1]:2197"), .forbiddenTarget),
            (head("CONNECT", "2130706433:443"), .forbiddenTarget),
            (head("CONNECT", "user@api.push.apple.com:443"), .badRequest),
            (head("CONNECT", "api.push.apple.com"), .badRequest),
            (head("CONNECT", "api.push.apple.com:443", [("Content-Length", "5")]), .badRequest),
            (head("CONNECT", "api.push.apple.com:443", [("Transfer-Encoding", "chunked")]), .badRequest),
        ]
    )
    func refusals(head: ConnectRequestHead, reason: RefusalReason) {
        #expect(Self.reason(Self.open.evaluate(head)) == reason)
    }

    @Test("Without credentials: 407 before anything about the target is said")
    func authRequiredFirst() {
        for target in ["api.push.apple.com:443", "example.com:443", "127.0.0.1:443", "bad target"] {
            #expect(Self.reason(Self.authenticated.evaluate(Self.head("CONNECT", target))) == .authRequired)
        }
        // Method checks come first, whoever asks.
        #expect(Self.reason(Self.authenticated.evaluate(Self.head("GET", "/"))) == .methodNotAllowed)
    }

    @Test("Credentials are handed over for checking together with the target verdict")
    func authenticate() {
        let credentials = BasicCredentials(username: "gateway", password: "secret")
        #expect(
            Self.authenticated.evaluate(Self.head("CONNECT", "api.push.apple.com:443", [Self.goodAuthorization]))
                == .authenticate(credentials, verdict: .allowed(ProxyTarget(host: "api.push.apple.com", port: 443)))
        )
        guard
            case .authenticate(_, .refused(let refusal)) =
                Self.authenticated.evaluate(Self.head("CONNECT", "example.com:443", [Self.goodAuthorization]))
        else {
            Issue.record("expected authenticate then refuse")
            return
        }
        #expect(refusal.reason == .forbiddenTarget)
    }

    @Test("Unusable Proxy-Authorization fields are auth failures")
    func badAuthorization() {
        for headers in [
            [("Proxy-Authorization", "Bearer abc")],
            [("Proxy-Authorization", "Basic %%%")],
            [Self.goodAuthorization, Self.goodAuthorization],
        ] {
            #expect(
                Self.reason(Self.authenticated.evaluate(Self.head("CONNECT", "api.push.apple.com:443", headers)))
                    == .authFailed)
        }
        // Optional authentication (users, require_auth false): credentials given are still checked.
        let optional = ConnectPolicy(allowlist: Self.allowlist, requireAuth: false, hasUsers: true)
        #expect(Self.reason(optional.evaluate(Self.head())) == nil)
        guard
            case .authenticate = optional.evaluate(
                Self.head("CONNECT", "api.push.apple.com:443", [Self.goodAuthorization]))
        else {
            Issue.record("expected authenticate")
            return
        }
    }

    @Test("Refusal responses: status, Connection: close, Proxy-Authenticate on 407, fixed bodies")
    func responses() {
        for reason in RefusalReason.allCases {
            let refusal = ProxyRefusal(reason, "detail with secret-ish \"client\" text")
            guard let status = reason.status else {
                #expect(refusal.response(allocator: .init()) == nil)
                continue
            }
            guard let buffer = refusal.response(allocator: .init()) else {
                Issue.record("no response for \(reason)")
                continue
            }
            let text = String(buffer: buffer)
            #expect(text.hasPrefix("HTTP/1.1 \(status) "))
            #expect(text.contains("\r\nConnection: close\r\n"))
            #expect(text.contains("Proxy-Authenticate: Basic realm=\"pushgate-proxy\"") == (status == 407))
            #expect(!text.contains("detail"))
        }
    }
}
