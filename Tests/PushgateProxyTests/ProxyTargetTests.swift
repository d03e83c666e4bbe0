import Testing

@testable import PushgateProxy

@Suite("CONNECT authority parsing")
struct ProxyTargetTests {
    @Test(
        "Names are normalised",
        arguments: [
            ("api.push.apple.com:443", "api.push.apple.com", 443),
            ("API.Push.Apple.COM:2197", "api.push.apple.com", 2197),
            ("api.push.apple.com.:443", "api.push.apple.com", 443),
            ("localhost:8443", "localhost", 8443),
            ("localhost.:1", "localhost", 1),
            ("fcm.googleapis.com:443", "fcm.googleapis.com", 443),
            ("xn--bcher-kva.example:443", "xn--bcher-kva.example", 443),
            ("_srv.example.com:65535", "_srv.example.com", 65535),
            ("1.2.3.4.nip.io:443", "1.2.3.4.nip.io", 443),
        ]
    )
    func names(input: String, host: String, port: Int) {
        #expect(ProxyTarget.parse(input) == .success(ProxyTarget(host: host, port: port)))
    }

    @Test(
        "IP literals in every notation are refused",
        arguments: [
            "127.0.0.1:443", "127.0.0.1.:443", "2130706433:443", "0x7f.1:443", "0x7f000001:443", "017700000001:443",
            "127.1:443", "0177.0.0.1:443", "10.0.0.1:2197", "0X7F.1:443", "example.0x10:443", "example.123:443",
            "[::1]:443", "[2001:db8::1]:443", "[::ffff:127.0.0.1]:443", "::1:443", "2001:db8::1:443",
        ]
    )
    func ipLiterals(input: String) {
        #expect(ProxyTarget.parse(input) == .failure(.ipLiteral))
    }

    @Test(
        "Malformed authorities are bad requests",
        arguments: [
            "", "api.push.apple.com", "api.push.apple.com:", "api.push.apple.com:0", "api.push.apple.com:65536",
            "api.push.apple.com:0443", "api.push.apple.com:+443", "api.push.apple.com:44 3",
            "user@api.push.apple.com:443",
            "user:pass@api.push.apple.com:443", "api.push.apple.com:443/path", "api.push.apple.com:443?x",
            "api%2epush.apple.com:443", "api.push.apple.com :443", " api.push.apple.com:443",
            "api.push.apple.com:443\t",
            "api..push.apple.com:443", "api.push.apple.com..:443", ".:443", ":443", "-api.example:443",
            "api-.example:443", "ap!.example:443", "bücher.example:443", "[::1:443", "[not-ipv6]:443", "[::1]443",
            "[::1]:0", "a:b:443", "http://api.push.apple.com:443", "api.push.apple.com:443#frag",
            "api\\push.apple.com:443", String(repeating: "a", count: 64) + ".example:443",
        ]
    )
    func malformed(input: String) {
        guard case .failure(.malformed) = ProxyTarget.parse(input) else {
            Issue.record("\(input) should be malformed, got \(ProxyTarget.parse(input))")
            return
        }
    }

    @Test("The allowlist matches exactly after normalisation")
    func allowlist() throws {
        let allowlist = try TargetAllowlist(entries: ["API.push.apple.com.:443", "localhost:2197", "127.0.0.1:443"])
        #expect(allowlist.contains(ProxyTarget(host: "api.push.apple.com", port: 443)))
        #expect(!allowlist.contains(ProxyTarget(host: "api.push.apple.com", port: 2197)))
        #expect(!allowlist.contains(ProxyTarget(host: "push.apple.com", port: 443)))
        #expect(allowlist.contains(ProxyTarget(host: "localhost", port: 2197)))
        // The IP literal entry can never match anything.
        #expect(allowlist.targets.count == 2)
        #expect(throws: ProxyConfigurationError.self) { try TargetAllowlist(entries: ["no-port.example"]) }
    }
}
