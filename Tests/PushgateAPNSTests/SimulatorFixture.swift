import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import PushgateCore
import PushgateSimulator
import Testing

@testable import PushgateAPNS

/// A simulator on an ephemeral port with fresh certificates and a fresh token key, and an
/// adapter pointed at it over real TLS on loopback.
struct SimulatorFixture {
    static let keyID = "KEY1234567"
    static let teamID = "TEAM123456"
    static let topic = "com.example.app"

    let simulator: APNSSimulator
    let adapter: APNSAdapter
    let group: MultiThreadedEventLoopGroup
    let clock: TestClock
    let signingKey: APNSSigningKey

    /// A wall clock tests can move; starts at the real time plus `offset`.
    final class TestClock: Sendable {
        private let box: NIOLockedValueBox<Date>
        init(start: Date) { self.box = NIOLockedValueBox(start) }
        func now() -> Date { self.box.withLockedValue { $0 } }
        func advance(by seconds: TimeInterval) { self.box.withLockedValue { $0.addTimeInterval(seconds) } }
    }

    /// - Parameter simulatorFollowsClock: the simulator reads the test clock too (so time moves
    ///   for both sides), instead of the real time (so an offset makes the client's clock skewed).
    static func start(
        clockOffset: TimeInterval = 0,
        simulatorFollowsClock: Bool = false,
        connections: Int = 1,
        requestTimeout: Duration = .seconds(10),
        simulator configure: (inout APNSSimulator.Configuration) -> Void = { _ in },
        adapter configureAdapter: (inout APNSConfiguration) -> Void = { _ in },
        proxy makeProxy: ((_ simulatorPort: Int) async throws -> APNSProxy)? = nil
    ) async throws -> SimulatorFixture {
        let certificates = try DevelopmentCertificates.make()
        let privateKey = P256.Signing.PrivateKey()
        let clock = TestClock(start: Date().addingTimeInterval(clockOffset))
        var simulatorConfiguration = APNSSimulator.Configuration(certificates: certificates)
        if simulatorFollowsClock { simulatorConfiguration.clock = { clock.now() } }
        simulatorConfiguration.tokenKeys = [Self.keyID: privateKey.publicKey]
        simulatorConfiguration.teamID = Self.teamID
        simulatorConfiguration.eventLoopThreads = 1
        configure(&simulatorConfiguration)
        var logger = Logger(label: "test.simulator")
        logger.logLevel = .error
        let simulator = try await APNSSimulator.start(configuration: simulatorConfiguration, logger: logger)

        let signingKey = try APNSSigningKey(keyID: Self.keyID, teamID: Self.teamID, privateKey: privateKey)
        var configuration = APNSConfiguration(topic: Self.topic, authentication: .token(signingKey))
        configuration.endpoint = .init(host: "127.0.0.1", port: simulator.port)
        configuration.additionalTrustRootsPEM = certificates.caCertificatePEM
        configuration.trustOnlyAdditionalRoots = true
        configuration.pool.connections = connections
        configuration.timeouts.request = requestTimeout
        if let makeProxy {
            // Proxies resolve the name themselves, and the simulator's certificate names localhost.
            configuration.endpoint?.host = "localhost"
            configuration.proxy = try await makeProxy(simulator.port)
        }
        configureAdapter(&configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, connections))
        let adapter = try APNSAdapter(
            configuration: configuration,
            eventLoopGroup: group,
            logger: Logger(label: "test.apns"),
            clock: { clock.now() }
        )
        return SimulatorFixture(
            simulator: simulator, adapter: adapter, group: group, clock: clock, signingKey: signingKey)
    }

    func stop() async throws {
        await self.adapter.shutdown()
        try await self.group.shutdownGracefully()
        try await self.simulator.shutdown()
    }

    static func token(prefix: String = "") -> String {
        let random = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        // Random tokens must not start like a fault token by accident.
        let body = prefix.isEmpty ? "ab" + random.dropFirst(2) : prefix + random.dropFirst(prefix.count)
        return String(body.prefix(64))
    }

    static func delivery(
        token: String = Self.token(), body: String = "Hello", pushType: PushgateCore.Notification.PushType? = nil
    ) -> Delivery {
        Delivery(
            notification: .init(title: "Test", body: body, pushType: pushType),
            target: DeviceTarget(vendor: .apns, token: token, environment: .production)
        )
    }

    /// GOAWAY accounting: every delivery was accepted exactly once (delivered) or at most once
    /// (ambiguous); any other outcome is unexpected and must not have reached APNs.
    func expectDeliveredOnceOrAmbiguous(_ deliveries: [Delivery], _ reports: [DeliveryReport]) {
        for (delivery, report) in zip(deliveries, reports) {
            let accepted = self.simulator.acceptedCount(apnsID: delivery.id.uuidString)
            switch report.outcome {
            case .delivered: #expect(accepted == 1)
            case .ambiguous: #expect(accepted <= 1)
            default:
                Issue.record("unexpected \(report.outcome) \(report.vendorReason ?? "")")
                #expect(accepted == 0)
            }
        }
    }

    /// Sends all deliveries at once and returns their reports in order.
    func sendAll(_ deliveries: [Delivery]) async throws -> [DeliveryReport] {
        let futures = deliveries.map { self.adapter.submit($0) }
        var reports: [DeliveryReport] = []
        for future in futures { reports.append(try await future.get()) }
        return reports
    }
}
