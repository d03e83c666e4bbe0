import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PushgateAPNS
import PushgateCore
import PushgateSimulator
import PushgateTestSupport
import Testing

@testable import PushgateServer

/// An APNs outage over real sockets: the gateway's APNs endpoint accepts TCP and hangs up
/// (what a dead proxy or a broken route looks like) for several seconds with deliveries queued
/// and a budget of two attempts; then the simulator comes up on that port.
@Suite("APNs outage end to end", .timeLimit(.minutes(3)))
struct OutageEndToEndTests {
    static let keyID = "OUTAGEKEY1"
    static let teamID = "OUTAGETEAM"

    @Test("nothing ends failed, everything is delivered once after it, and the connection attempts stay few")
    func outageThenRecovery() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try DevelopmentCertificates.make()
            let key = P256.Signing.PrivateKey()
            let caFile = try directory.write("ca.pem", certificates.caCertificatePEM)
            let port = try await freeLoopbackPort()
            let refuser = try await HangUpServer.start(port: port)
            let apiKey = "pg_outage_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")

            var configuration = GatewayConfiguration()
            configuration.listen = "127.0.0.1:0"
            configuration.store = "sqlite:" + directory.path("pushgate.db")
            var apns = APNSVendor.Settings(topic: EndToEnd.topic)
            apns.key = Secret(reference: key.pemRepresentation)
            apns.keyID = Self.keyID
            apns.teamID = Self.teamID
            var common = VendorCommonSettings()
            common.endpoint = "https://127.0.0.1:\(port)"
            common.caFile = caFile
            common.connections = 1
            common.requestTimeout = ConfigDuration(.seconds(5))
            var app = GatewayConfiguration.App(
                id: "outage", apiKeys: [APIKeyHash(key: apiKey).stored], vendors: [.apns(apns, common: common)])
            // Without the lane pause, two attempts 100–200 ms apart fail everything within a second.
            app.retry.maxAttempts = 2
            app.retry.initialBackoff = ConfigDuration(.milliseconds(100))
            app.retry.maxBackoff = ConfigDuration(.milliseconds(200))
            configuration.apps = [app]

            try await RunningGateway.run(
                configuration, apiKey: apiKey, dispatcher: true, webhooks: .init(), registry: TestVendors.standard
            ) { gateway in
                var accepted: [Accepted] = []
                for _ in 0..<10 {
                    accepted.append(try await gateway.post(tokens: (0..<50).map { _ in EndToEnd.token() }))
                }
                let outage = ContinuousClock.now
                try await Task.sleep(for: .seconds(8))
                let attemptsDuringOutage = refuser.connections
                try await refuser.stop()
                var simulatorConfiguration = APNSSimulator.Configuration(certificates: certificates)
                simulatorConfiguration.port = port
                simulatorConfiguration.tokenKeys = [Self.keyID: key.publicKey]
                simulatorConfiguration.teamID = Self.teamID
                simulatorConfiguration.eventLoopThreads = 1
                let simulator = try await APNSSimulator.start(
                    configuration: simulatorConfiguration, logger: EndToEnd.logger)
                let recovered = ContinuousClock.now
                do {
                    var failed = 0
                    for notification in accepted {
                        let states = try await gateway.eventually("all 50 delivered", timeout: .seconds(60)) {
                            () -> [String]? in
                            let status = try await gateway.request("GET", "/v1/notifications/\(notification.id)")
                            let states = (status.json?["deliveries"]?.arrayValue ?? []).map {
                                $0["state"]?.stringValue ?? "?"
                            }
                            return states.count == 50 && states.allSatisfy({ $0 == "delivered" || $0 == "failed" })
                                ? states : nil
                        }
                        failed += states.filter { $0 == "failed" }.count
                    }
                    #expect(failed == 0, "none fails")
                    let drained = ContinuousClock.now - recovered
                    let counters = simulator.counters()
                    #expect(counters.accepted == 500)
                    #expect(counters.duplicateAPNSIDs == 0, "each delivered once")
                    for id in accepted.flatMap(\.deliveryIDs) { #expect(simulator.acceptedCount(apnsID: id) == 1) }
                    // One connection, reconnecting with its own backoff, and the lane probing once
                    // at a time (1 s doubling to 30 s): a few dozen connections in 8 s at most,
                    // not one per delivery and attempt.
                    #expect(attemptsDuringOutage <= 40, "\(attemptsDuringOutage) connections during the outage")
                    let metrics = String(decoding: gateway.services.metrics.exposition(), as: UTF8.self)
                    #expect(
                        metrics.contains(#"pushgate_lane_paused_total{app="outage",vendor="apns",reason="outage"}"#))
                    print(
                        "outage figures: 500 deliveries, \(ContinuousClock.now - outage) from outage to drained, "
                            + "\(attemptsDuringOutage) TCP connections during the 8 s outage, drained \(drained) after recovery"
                    )
                } catch {
                    try? await simulator.shutdown()
                    throw error
                }
                try await simulator.shutdown()
            }
        }
    }
}

/// A TCP listener that counts connections and hangs up on each at once: the TLS handshake
/// fails, nothing is sent.
final class HangUpServer: Sendable {
    private let channel: any Channel
    private let count: NIOLockedValueBox<Int>

    private init(channel: any Channel, count: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.count = count
    }

    static func start(port: Int) async throws -> HangUpServer {
        let count = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                count.withLockedValue { $0 += 1 }
                child.close(promise: nil)
                return child.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: port).get()
        return HangUpServer(channel: channel, count: count)
    }

    var connections: Int { self.count.withLockedValue { $0 } }

    func stop() async throws { try await self.channel.close() }
}
