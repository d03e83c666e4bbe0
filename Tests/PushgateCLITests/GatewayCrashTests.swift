import Crypto
import Foundation
import Logging
import PushgateSimulator
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The gateway as a child process: kill -9 it with thousands of deliveries in flight, start it
/// again on the same database, and prove with the simulator's counters that every accepted
/// delivery was delivered and any resend carried the same apns-id.
@Suite(.serialized) struct GatewayCrashTests {
    @Test func aKilledGatewayLosesNothingAndResendsWithTheSameIdentity() async throws {
        let certificates = try DevelopmentCertificates.make()
        let key = P256.Signing.PrivateKey()
        var configuration = APNSSimulator.Configuration(certificates: certificates)
        configuration.tokenKeys = [CLIFixture.keyID: key.publicKey]
        configuration.teamID = CLIFixture.teamID
        configuration.eventLoopThreads = 1
        // Every answer takes a moment, so many deliveries are in flight when the kill comes.
        configuration.faults = [.init(tokenPrefix: "ab", fault: .delay(.milliseconds(200)))]
        let simulator = try await APNSSimulator.start(configuration: configuration, logger: Logger(label: "crash.sim"))
        let gateway = try await GatewayProcess(
            simulator: simulator, caPEM: certificates.caCertificatePEM, keyPEM: key.pemRepresentation,
            keyID: CLIFixture.keyID, teamID: CLIFixture.teamID,
            extraAppYAML: "    rate_limit: {per_second: 3000, concurrency: 400}"
        )
        defer { gateway.cleanUp() }
        try await gateway.start()

        // 40 requests × 100 devices = 4,000 deliveries.
        var notificationIDs: [String] = []
        var deliveryIDs: [String] = []
        for batch in 0..<40 {
            let targets = (0..<100).map { index in
                #"{"vendor":"apns","token":"ab\#(String(format: "%06x%02x", batch, index))\#(String(repeating: "c", count: 54))"}"#
            }.joined(separator: ",")
            let body = #"{"notification":{"title":"Crash test","body":"\#(batch)"},"targets":[\#(targets)]}"#
            let response = try await gateway.request("POST", "/v1/notifications", body: Data(body.utf8))
            try #require(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")
            let json = try #require(response.json)
            notificationIDs.append(try #require(json["id"] as? String))
            let deliveries = try #require(json["deliveries"] as? [[String: Any]])
            deliveryIDs += deliveries.compactMap { $0["id"] as? String }
        }
        #expect(deliveryIDs.count == 4_000)

        // Let the dispatcher get going, then crash it mid-flight.
        for _ in 0..<100 where simulator.counters().accepted < 500 { try await Task.sleep(for: .milliseconds(20)) }
        gateway.kill()
        let beforeRestart = simulator.counters().accepted
        #expect(beforeRestart < 4_000, "the kill must come while deliveries are still pending")

        try await gateway.start()
        var delivered = 0
        for _ in 0..<600 {
            delivered = 0
            for id in notificationIDs {
                let status = try await gateway.request("GET", "/v1/notifications/\(id)")
                let deliveries = status.json?["deliveries"] as? [[String: Any]] ?? []
                delivered += deliveries.filter { $0["state"] as? String == "delivered" }.count
            }
            if delivered == 4_000 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(delivered == 4_000, "every accepted delivery ends delivered")
        #expect(gateway.terminate() == 0, "SIGTERM exits cleanly")

        let counters = simulator.counters()
        for id in deliveryIDs {
            #expect(simulator.acceptedCount(apnsID: id) >= 1, "delivery \(id) was never sent")
        }
        // Resends after the crash reuse the delivery's apns-id: APNs saw no id it did not know,
        // and each extra acceptance is a duplicate of an id, never a new one.
        #expect(counters.accepted == 4_000 + counters.duplicateAPNSIDs)
        try await simulator.shutdown()
    }
}
