import Foundation
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateProxy

@Suite("Proxy configuration")
struct ProxyConfigurationTests {
    static let hash = "pbkdf2-sha256$1000$c2FsdFNBTFRzYWx0U0FMVA$cMYAPciW1i+SErK4yW3XZi+Igk/Wt+Ux0CUykos5dms"

    @Test("Defaults when only a listener is given")
    func defaults() throws {
        let configuration = try ProxyConfiguration(yaml: "listeners:\n  - address: 0.0.0.0:8443\n")
        try configuration.validate()
        #expect(configuration.listeners.map(\.address) == ["0.0.0.0:8443"])
        #expect(configuration.listeners[0].tls == nil)
        #expect(configuration.allow == ProxyConfiguration.defaultAllow)
        #expect(configuration.allow.count == 6)
        #expect(configuration.effectiveRequireAuth == false)
        let limits = configuration.limits
        #expect(limits.connectTimeout == .seconds(10))
        #expect(limits.idleTimeout == .seconds(300))
        #expect(limits.maxTunnels == 1000)
        #expect(limits.maxTunnelsPerClient == 100)
        #expect(limits.maxHeaderBytes == 8192)
        #expect(limits.headerTimeout == .seconds(10))
        #expect(limits.shutdownGrace == .seconds(30))
        #expect(configuration.admin == nil)
        #expect(configuration.log.accessLog)
        // Plain TCP without any authentication works, but is called out.
        #expect(configuration.warnings().map(\.path) == ["listeners[0]"])
    }

    @Test("Every field decodes from snake_case YAML")
    func full() throws {
        let yaml = """
            listeners:
              - address: "[::]:8443"
              - address: 127.0.0.1:0
            users:
              - name: gateway
                password_hash: "\(Self.hash)"
            require_auth: true
            allow: [api.push.apple.com:443, fcm.googleapis.com:443]
            limits:
              connect_timeout: 500ms
              idle_timeout: 5m
              max_tunnels: 20
              max_tunnels_per_client: 4
              max_header_bytes: 4096
              header_timeout: 1.5s
              shutdown_grace: 1h
            admin:
              address: 127.0.0.1:9090
            log:
              access_log: false
            """
        let configuration = try ProxyConfiguration(yaml: yaml)
        try configuration.validate()
        #expect(configuration.listeners.map(\.address) == ["[::]:8443", "127.0.0.1:0"])
        #expect(configuration.users.map(\.name) == ["gateway"])
        #expect(configuration.effectiveRequireAuth)
        #expect(configuration.allow == ["api.push.apple.com:443", "fcm.googleapis.com:443"])
        #expect(configuration.limits.connectTimeout == .milliseconds(500))
        #expect(configuration.limits.idleTimeout == .seconds(300))
        #expect(configuration.limits.maxTunnels == 20)
        #expect(configuration.limits.maxTunnelsPerClient == 4)
        #expect(configuration.limits.maxHeaderBytes == 4096)
        #expect(configuration.limits.headerTimeout == .milliseconds(1500))
        #expect(configuration.limits.shutdownGrace == .seconds(3600))
        #expect(configuration.admin?.address == "127.0.0.1:9090")
        #expect(configuration.log.accessLog == false)
        // Only the test hash's low iteration count is worth a warning.
        #expect(configuration.warnings().map(\.path) == ["users"])
        #expect(!"\(configuration.users[0])".contains("pbkdf2"))
    }

    @Test("Users make authentication required unless said otherwise")
    func requireAuthDefault() throws {
        let yaml = "listeners: [{address: '0.0.0.0:1'}]\nusers: [{name: a, password_hash: '\(Self.hash)'}]\n"
        #expect(try ProxyConfiguration(yaml: yaml).effectiveRequireAuth)
        #expect(try ProxyConfiguration(yaml: yaml + "require_auth: false\n").effectiveRequireAuth == false)
    }

    @Test("Unknown keys are all reported, each with its path")
    func unknownKeys() {
        let yaml = """
            listeners:
              - address: 0.0.0.0:8443
                tls:
                  certificate_file: a.pem
                  private_key_file: b.pem
                  client_ca: c.pem
            limit:
              max_tunnels: 1
            limits:
              max_tunnel: 2
              connect_timeout: 10
            """
        do {
            _ = try ProxyConfiguration(yaml: yaml)
            Issue.record("expected an error")
        } catch {
            let paths = error.problems.map(\.path)
            #expect(paths.contains("listeners[0].tls.client_ca"))
            #expect(paths.contains("limit"))
            #expect(paths.contains("limits.max_tunnel"))
            #expect(paths.contains("limits.connect_timeout"))
            #expect(error.problems.first { $0.path == "limits.connect_timeout" }?.message.contains("unit") == true)
            #expect(error.description.contains("listeners[0].tls.client_ca: unknown key"))
        }
    }

    @Test("Type errors and YAML syntax errors say where")
    func typeErrors() {
        do {
            _ = try ProxyConfiguration(yaml: "listeners:\n  - address: 0.0.0.0:1\nlimits:\n  max_tunnels: many\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.problems.map(\.path) == ["limits.max_tunnels"])
        }
        do {
            _ = try ProxyConfiguration(yaml: "listeners:\n  - tls: {}\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.problems.first?.path.hasPrefix("listeners[0]") == true)
        }
        #expect(throws: ProxyConfigurationError.self) { try ProxyConfiguration(yaml: "listeners: [\n") }
        #expect(throws: ProxyConfigurationError.self) { try ProxyConfiguration(yaml: "  \n") }
    }

    @Test(
        "Durations",
        arguments: [
            ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("1.5s", .milliseconds(1500)),
            ("5m", .seconds(300)), ("2h", .seconds(7200)), ("0s", .zero), ("0.25ms", .microseconds(250)),
        ]
    )
    func durations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(
        "Malformed durations", arguments: ["10", "s", "10 s", "-1s", "+1s", "1e3s", "1.s", ".5s", "10sec", "inf s", ""])
    func malformedDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("validate() reports every problem with its path")
    func validation() throws {
        var configuration = ProxyConfiguration(listeners: [
            .init(address: "0.0.0.0"),
            .init(
                address: "0.0.0.0:8443",
                tls: .init(certificateFile: "/nonexistent/cert.pem", privateKeyFile: "/nonexistent/key.pem")),
            .init(address: "0.0.0.0:8443"),
        ])
        configuration.users = [
            .init(name: "a:b", passwordHash: Self.hash),
            .init(name: "gw", passwordHash: "plain"),
            .init(name: "gw", passwordHash: Self.hash),
        ]
        configuration.allow = ["api.push.apple.com", "127.0.0.1:443"]
        configuration.limits.maxTunnels = 0
        configuration.limits.maxTunnelsPerClient = 0
        configuration.limits.maxHeaderBytes = 10
        configuration.limits.headerTimeout = .zero
        configuration.limits.shutdownGrace = .seconds(-1)
        configuration.admin = .init(address: "localhost")
        do {
            try configuration.validate()
            Issue.record("expected problems")
        } catch {
            let paths = Set(error.problems.map(\.path))
            for expected in [
                "listeners[0].address", "listeners[1].tls.certificate_file", "listeners[1].tls.private_key_file",
                "listeners[2].address", "users[0].name", "users[1].password_hash", "users[2].name", "allow[0]",
                "limits.max_tunnels", "limits.max_tunnels_per_client", "limits.max_header_bytes",
                "limits.header_timeout", "limits.shutdown_grace", "admin.address",
            ] {
                #expect(paths.contains(expected), "missing \(expected) in \(paths.sorted())")
            }
        }
        #expect(configuration.warnings().contains { $0.path == "allow[1]" })

        var noUsers = ProxyConfiguration(listeners: [.init(address: "127.0.0.1:0")])
        noUsers.requireAuth = true
        #expect(throws: ProxyConfigurationError.self) { try noUsers.validate() }
        noUsers.requireAuth = nil
        noUsers.allow = []
        #expect(throws: ProxyConfigurationError.self) { try noUsers.validate() }
    }

    @Test("TLS files are loaded by validate(), and a mismatched key is caught")
    func tlsFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try TestCertificates.make()
        let other = try TestCertificates.make()
        let certificate = try directory.write("cert.pem", certificates.serverCertificatePEM)
        let key = try directory.write("key.pem", certificates.serverPrivateKeyPEM)
        let otherKey = try directory.write("other-key.pem", other.serverPrivateKeyPEM)
        let ca = try directory.write("ca.pem", certificates.caCertificatePEM)
        let notPEM = try directory.write("garbage.pem", "not a certificate")

        let good = ProxyConfiguration(listeners: [
            .init(
                address: "127.0.0.1:0", tls: .init(certificateFile: certificate, privateKeyFile: key, clientCAFile: ca))
        ])
        try good.validate()
        #expect(good.warnings().isEmpty)

        let mismatched = ProxyConfiguration(listeners: [
            .init(address: "127.0.0.1:0", tls: .init(certificateFile: certificate, privateKeyFile: otherKey))
        ])
        #expect(throws: ProxyConfigurationError.self) { try mismatched.validate() }

        let badCA = ProxyConfiguration(listeners: [
            .init(
                address: "127.0.0.1:0",
                tls: .init(certificateFile: certificate, privateKeyFile: key, clientCAFile: notPEM))
        ])
        do {
            try badCA.validate()
            Issue.record("expected a problem")
        } catch {
            #expect(error.problems.map(\.path) == ["listeners[0].tls.client_ca_file"])
        }
    }

    @Test("Listen addresses")
    func listenAddresses() {
        #expect(ListenAddress.parse("0.0.0.0:8443") == .success(ListenAddress(host: "0.0.0.0", port: 8443)))
        #expect(ListenAddress.parse("[::]:0") == .success(ListenAddress(host: "::", port: 0)))
        #expect(ListenAddress.parse("[::1]:9090").map(\.description) == .success("[::1]:9090"))
        for bad in ["0.0.0.0", ":8443", "::1:8443", "[::1]8443", "host:65536", "host:-1", "host:"] {
            #expect(throws: ListenAddress.ParseError.self) { try ListenAddress.parse(bad).get() }
        }
    }
}
