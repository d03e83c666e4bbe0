import Crypto
import Foundation
import Logging
import NIOPosix
import PushgateAPNS
import PushgateCore
import PushgateSimulator

/// The APNs simulator on an ephemeral port with fresh certificates and token key, and an
/// `APNSAdapter` pointed at it over TLS on loopback: the adapter the API validates with.
/// (Adapted from PushgateAPNSTests' fixture; nothing is sent in these tests, the dispatcher
/// is tested elsewhere.)
struct APNSSimulatorFixture: Sendable {
    static let keyID = "KEY1234567"
    static let teamID = "TEAM123456"
    static let topic = "com.example.app"

    let simulator: APNSSimulator
    let adapter: APNSAdapter
    let group: MultiThreadedEventLoopGroup

    static func start() async throws -> APNSSimulatorFixture {
        let certificates = try DevelopmentCertificates.make()
        let privateKey = P256.Signing.PrivateKey()
        var simulatorConfiguration = APNSSimulator.Configuration(certificates: certificates)
        simulatorConfiguration.tokenKeys = [Self.keyID: privateKey.publicKey]
        simulatorConfiguration.teamID = Self.teamID
        simulatorConfiguration.eventLoopThreads = 1
        var logger = Logger(label: "test.simulator")
        logger.logLevel = .error
        let simulator = try await APNSSimulator.start(configuration: simulatorConfiguration, logger: logger)

        let signingKey = try APNSSigningKey(keyID: Self.keyID, teamID: Self.teamID, privateKey: privateKey)
        var configuration = APNSConfiguration(topic: Self.topic, authentication: .token(signingKey))
        configuration.endpoint = .init(host: "127.0.0.1", port: simulator.port)
        configuration.additionalTrustRootsPEM = certificates.caCertificatePEM
        configuration.trustOnlyAdditionalRoots = true
        configuration.pool.connections = 1
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let adapter = try APNSAdapter(configuration: configuration, eventLoopGroup: group, logger: logger)
        return APNSSimulatorFixture(simulator: simulator, adapter: adapter, group: group)
    }

    func stop() async throws {
        await self.adapter.shutdown()
        try await self.group.shutdownGracefully()
        try await self.simulator.shutdown()
    }

    /// A random, well-formed APNs device token (64 hex characters).
    static func token() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
