import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PushgateSimulator
import PushgateTestSupport
import Testing

@testable import PushgateProxy

/// An APNs simulator as the target, proxy certificates (CA, server, a client, a client from another CA) in a
/// temporary directory, and the proxies a test starts; `stop()` cleans everything up.
final class EndToEndFixture: Sendable {
    let directory: TemporaryDirectory
    let simulator: APNSSimulator
    let group: MultiThreadedEventLoopGroup
    let logs = LogRecorder()
    let simulatorCAFile: String
    let proxyCAFile: String
    let proxyCertificateFile: String
    let proxyKeyFile: String
    let clientCertificateFile: String
    let clientKeyFile: String
    let foreignCertificateFile: String
    let foreignKeyFile: String
    private let proxies = NIOLockedValueBox<[ConnectProxy]>([])

    var simulatorPort: Int { self.simulator.port }
    /// The simulator as an allowlist entry (IP literals are never allowed, so by name).
    var target: String { "localhost:\(self.simulator.port)" }

    private init(
        directory: TemporaryDirectory,
        simulator: APNSSimulator,
        group: MultiThreadedEventLoopGroup,
        files: [String: String]
    ) {
        self.directory = directory
        self.simulator = simulator
        self.group = group
        self.simulatorCAFile = files["sim-ca.pem", default: ""]
        self.proxyCAFile = files["proxy-ca.pem", default: ""]
        self.proxyCertificateFile = files["proxy-cert.pem", default: ""]
        self.proxyKeyFile = files["proxy-key.pem", default: ""]
        self.clientCertificateFile = files["client-cert.pem", default: ""]
        self.clientKeyFile = files["client-key.pem", default: ""]
        self.foreignCertificateFile = files["foreign-cert.pem", default: ""]
        self.foreignKeyFile = files["foreign-key.pem", default: ""]
    }

    static func make() async throws -> EndToEndFixture {
        let directory = try TemporaryDirectory()
        let simulatorCertificates = try TestCertificates.make()
        var simulatorConfiguration = APNSSimulator.Configuration(certificates: simulatorCertificates)
        simulatorConfiguration.eventLoopThreads = 1
        var simulatorLogger = Logger(label: "test.simulator")
        simulatorLogger.logLevel = .error
        let simulator = try await APNSSimulator.start(configuration: simulatorConfiguration, logger: simulatorLogger)

        let proxyCertificates = try TestCertificates.make()
        let client = try proxyCertificates.makeClientCertificate(commonName: "gateway-1", uid: nil)
        let foreign = try TestCertificates.make().makeClientCertificate(commonName: "intruder", uid: nil)
        var files: [String: String] = [:]
        for (name, contents) in [
            ("sim-ca.pem", simulatorCertificates.caCertificatePEM),
            ("proxy-ca.pem", proxyCertificates.caCertificatePEM),
            ("proxy-cert.pem", proxyCertificates.serverCertificatePEM),
            ("proxy-key.pem", proxyCertificates.serverPrivateKeyPEM),
            ("client-cert.pem", client.certificatePEM),
            ("client-key.pem", client.privateKeyPEM),
            ("foreign-cert.pem", foreign.certificatePEM),
            ("foreign-key.pem", foreign.privateKeyPEM),
        ] {
            files[name] = try directory.write(name, contents)
        }
        return EndToEndFixture(
            directory: directory,
            simulator: simulator,
            group: MultiThreadedEventLoopGroup(numberOfThreads: 1),
            files: files
        )
    }

    /// Runs `body` with a fresh fixture and always cleans up.
    static func with(_ body: (EndToEndFixture) async throws -> Void) async throws {
        let fixture = try await Self.make()
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    var plainListener: ProxyConfiguration.Listener { .init(address: "127.0.0.1:0") }

    var tlsListener: ProxyConfiguration.Listener {
        .init(
            address: "127.0.0.1:0",
            tls: .init(certificateFile: self.proxyCertificateFile, privateKeyFile: self.proxyKeyFile)
        )
    }

    var mutualTLSListener: ProxyConfiguration.Listener {
        .init(
            address: "127.0.0.1:0",
            tls: .init(
                certificateFile: self.proxyCertificateFile,
                privateKeyFile: self.proxyKeyFile,
                clientCAFile: self.proxyCAFile
            )
        )
    }

    /// Listeners as given, the simulator allowed, one event loop thread, a short shutdown grace.
    func configuration(_ listeners: [ProxyConfiguration.Listener]) -> ProxyConfiguration {
        var configuration = ProxyConfiguration(listeners: listeners)
        configuration.allow = [self.target]
        configuration.eventLoopThreads = 1
        // Tests close their tunnels; whatever is left must not hold up clean-up.
        configuration.limits.shutdownGrace = .seconds(1)
        return configuration
    }

    func start(_ configuration: ProxyConfiguration) async throws -> ConnectProxy {
        let proxy = try await ConnectProxy.start(configuration: configuration, logger: self.logs.logger())
        self.proxies.withLockedValue { $0.append(proxy) }
        return proxy
    }

    /// curl to the simulator's counters through the proxy (`proxyURL` like `http://127.0.0.1:PORT`).
    func curlCounters(proxyURL: String, host: String = "localhost", extra: [String] = []) async throws -> Curl.Result {
        try await Curl.run(
            ["--http2", "--cacert", self.simulatorCAFile, "-x", proxyURL] + extra
                + ["https://\(host):\(self.simulatorPort)/_sim/counters"]
        )
    }

    /// Polls the proxy's stats until `condition` holds (counters settle when connections finish closing).
    @discardableResult
    func eventually(
        _ proxy: ConnectProxy,
        timeout: Duration = .seconds(10),
        _ condition: (ProxyStats) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(proxy.stats()) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(proxy.stats())
    }

    func stop() async {
        for proxy in self.proxies.withLockedValue({ $0 }) {
            await proxy.shutdown()
        }
        try? await self.simulator.shutdown()
        try? await self.group.shutdownGracefully()
        self.directory.remove()
    }
}
