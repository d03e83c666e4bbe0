import Foundation
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateProxy

/// The `proxy/` kit works as the runbook says: the script's certificates serve an mTLS proxy that curl gets through,
/// and the example configuration decodes (and validates, once its files exist).
@Suite("Ops kit (proxy/)")
struct OpsKitTests {
    static let kit = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("proxy")

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test("make-proxy-certs.sh: CA, server and client certificates that a real mTLS proxy and curl accept")
    func certificateScript() async throws {
        try await EndToEndFixture.with { fixture in
            let out = fixture.directory.path("kit-certs")
            let script = Self.kit.appendingPathComponent("make-proxy-certs.sh").path
            let made = try Self.run("/bin/bash", [script, "-o", out, "-d", "30", "localhost,127.0.0.1", "gateway-1"])
            #expect(made.status == 0, "\(made.output)")

            // Re-running keeps the CA (rotation) and re-issues the server certificate.
            let ca = try String(contentsOfFile: "\(out)/ca.pem", encoding: .utf8)
            let again = try Self.run("/bin/bash", [script, "-o", out, "localhost,127.0.0.1"])
            #expect(again.status == 0 && again.output.contains("using the existing CA"), "\(again.output)")
            #expect(try String(contentsOfFile: "\(out)/ca.pem", encoding: .utf8) == ca)
            let keyMode = try FileManager.default.attributesOfItem(atPath: "\(out)/server-key.pem")[.posixPermissions]
            #expect((keyMode as? Int) == 0o600)

            var configuration = fixture.configuration([
                .init(
                    address: "127.0.0.1:0",
                    tls: .init(
                        certificateFile: "\(out)/server.pem",
                        privateKeyFile: "\(out)/server-key.pem",
                        clientCAFile: "\(out)/ca.pem"
                    )
                )
            ])
            configuration.admin = nil
            let proxy = try await fixture.start(configuration)
            let result = try await fixture.curlCounters(
                proxyURL: "https://127.0.0.1:\(proxy.listenerPorts[0])",
                extra: [
                    "--proxy-cacert", "\(out)/ca.pem", "--proxy-cert", "\(out)/client-gateway-1.pem",
                    "--proxy-key", "\(out)/client-gateway-1-key.pem",
                ]
            )
            #expect(result.connectCode == 200 && result.httpCode == 200, "\(result)")
        }
    }

    @Test("proxy.example.yaml decodes with no unknown keys, and validates once its files exist")
    func exampleConfiguration() throws {
        let text = try String(
            contentsOf: Self.kit.appendingPathComponent("proxy.example.yaml"),
            encoding: .utf8
        )
        let example = try ProxyConfiguration(yaml: text)
        #expect(example.listeners.count == 1)
        #expect(example.listeners[0].tls?.clientCAFile != nil)
        #expect(example.allow == ProxyConfiguration.defaultAllow)
        #expect(example.effectiveRequireAuth)
        #expect(example.admin?.address == "127.0.0.1:9090")

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = try TestCertificates.make()
        let hash = try PasswordHash.make(password: "example", iterations: 100_000)
        let filled =
            text
            .replacingOccurrences(
                of: "/etc/pushgate-proxy/tls/server.pem",
                with: try directory.write("server.pem", certificates.serverCertificatePEM)
            )
            .replacingOccurrences(
                of: "/etc/pushgate-proxy/tls/server-key.pem",
                with: try directory.write("server-key.pem", certificates.serverPrivateKeyPEM)
            )
            .replacingOccurrences(
                of: "/etc/pushgate-proxy/tls/ca.pem",
                with: try directory.write("ca.pem", certificates.caCertificatePEM)
            )
            .replacingOccurrences(of: "pbkdf2-sha256$600000$REPLACE_WITH_SALT$REPLACE_WITH_HASH", with: hash.encoded)
        let configuration = try ProxyConfiguration(yaml: filled)
        try configuration.validate()
        #expect(configuration.warnings().isEmpty)
    }

    @Test("The systemd unit keeps its stop timeout above the default shutdown grace")
    func systemdUnit() throws {
        let unit = try String(
            contentsOf: Self.kit.appendingPathComponent("pushgate-proxy.service"),
            encoding: .utf8
        )
        let lines = unit.split(separator: "\n").map(String.init)
        func value(_ key: String) -> String? {
            lines.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        let stop = try #require(value("TimeoutStopSec").flatMap { DurationText.parse($0) })
        #expect(stop > ProxyConfiguration.Limits().shutdownGrace)
        for key in ["NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices"] {
            #expect(value(key) != nil, "\(key) missing")
        }
        #expect(value("CapabilityBoundingSet") == "")
        #expect(value("RestrictAddressFamilies") == "AF_INET AF_INET6 AF_UNIX")
        #expect(value("Restart") == "on-failure")
        #expect(value("LimitNOFILE") != nil)
    }
}
