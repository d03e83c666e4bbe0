import Crypto
import Foundation
import Logging
import PushgateSimulator
import PushgateTestSupport
import Testing

/// Three `pushgate serve` processes on one PostgreSQL database, one of them killed with -9 while
/// thousands of deliveries are in flight: the simulator's counters prove that every accepted
/// delivery was delivered, and that every resend carried an apns-id it had seen before.
@Suite(.serialized) struct SeveralGatewaysTests {
    @Test func threeGatewaysOnePostgreSQLOneKilled() async throws {
        try await PostgresTestCluster.withDatabase { url in
            let certificates = try DevelopmentCertificates.make()
            let key = P256.Signing.PrivateKey()
            var configuration = APNSSimulator.Configuration(certificates: certificates)
            configuration.tokenKeys = [CLIFixture.keyID: key.publicKey]
            configuration.teamID = CLIFixture.teamID
            configuration.eventLoopThreads = 1
            configuration.faults = [.init(tokenPrefix: "ab", fault: .delay(.milliseconds(200)))]
            let simulator = try await APNSSimulator.start(
                configuration: configuration, logger: Logger(label: "several.sim"))
            let store = try PostgresTestCluster.storeURL(url)
            var gateways: [GatewayProcess] = []
            defer { for gateway in gateways { gateway.cleanUp() } }
            for _ in 0..<3 {
                gateways.append(
                    try await GatewayProcess(
                        simulator: simulator, caPEM: certificates.caCertificatePEM, keyPEM: key.pemRepresentation,
                        keyID: CLIFixture.keyID, teamID: CLIFixture.teamID,
                        extraAppYAML: "    rate_limit: {per_second: 3000, concurrency: 400}", store: store))
            }
            // All three start (and migrate) at once.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for gateway in gateways { group.addTask { try await gateway.start() } }
                try await group.waitForAll()
            }

            // 30 requests × 100 devices, spread over the three instances.
            var notificationIDs: [String] = []
            var deliveryIDs: [String] = []
            for batch in 0..<30 {
                let targets = (0..<100).map { index in
                    #"{"vendor":"apns","token":"ab\#(String(format: "%06x%02x", batch, index))\#(String(repeating: "c", count: 54))"}"#
                }.joined(separator: ",")
                let body = #"{"notification":{"title":"Several","body":"\#(batch)"},"targets":[\#(targets)]}"#
                let response = try await gateways[batch % 3].request("POST", "/v1/notifications", body: Data(body.utf8))
                try #require(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")
                let json = try #require(response.json)
                notificationIDs.append(try #require(json["id"] as? String))
                let deliveries = try #require(json["deliveries"] as? [[String: Any]])
                deliveryIDs += deliveries.compactMap { $0["id"] as? String }
            }
            #expect(deliveryIDs.count == 3_000)

            for _ in 0..<100 where simulator.counters().accepted < 300 {
                try await Task.sleep(for: .milliseconds(20))
            }
            gateways[0].kill()
            #expect(simulator.counters().accepted < 3_000, "the kill must come while deliveries are still pending")

            // The survivors finish, the killed one's leases included once they expire (5 s).
            var delivered = 0
            for _ in 0..<300 {
                delivered = 0
                for id in notificationIDs {
                    let status = try await gateways[1].request("GET", "/v1/notifications/\(id)")
                    let deliveries = status.json?["deliveries"] as? [[String: Any]] ?? []
                    delivered += deliveries.filter { $0["state"] as? String == "delivered" }.count
                }
                if delivered == 3_000 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(delivered == 3_000, "every accepted delivery ends delivered")
            #expect(gateways[1].terminate() == 0, "SIGTERM exits cleanly")
            #expect(gateways[2].terminate() == 0, "SIGTERM exits cleanly")

            let counters = simulator.counters()
            for id in deliveryIDs {
                #expect(simulator.acceptedCount(apnsID: id) >= 1, "delivery \(id) was never sent")
            }
            // Resends reuse the delivery's apns-id: each extra acceptance is a duplicate of an id.
            #expect(counters.accepted == 3_000 + counters.duplicateAPNSIDs)
            try await simulator.shutdown()
        }
    }

    /// The database goes away under a running gateway (as in a restart): the API answers 503 with
    /// a problem document and Retry-After, /readyz says not ready, and when the database is back
    /// everything accepted before is delivered, resends under their own apns-ids.
    @Test func aDatabaseOutageGives503AndLosesNothing() async throws {
        try await PostgresTestCluster.withDatabase { url in
            let certificates = try DevelopmentCertificates.make()
            let key = P256.Signing.PrivateKey()
            var configuration = APNSSimulator.Configuration(certificates: certificates)
            configuration.tokenKeys = [CLIFixture.keyID: key.publicKey]
            configuration.teamID = CLIFixture.teamID
            configuration.eventLoopThreads = 1
            configuration.faults = [.init(tokenPrefix: "ab", fault: .delay(.milliseconds(200)))]
            let simulator = try await APNSSimulator.start(
                configuration: configuration, logger: Logger(label: "outage.sim"))
            let gateway = try await GatewayProcess(
                simulator: simulator, caPEM: certificates.caCertificatePEM, keyPEM: key.pemRepresentation,
                keyID: CLIFixture.keyID, teamID: CLIFixture.teamID,
                extraAppYAML: "    rate_limit: {per_second: 1000, concurrency: 20}",
                store: try PostgresTestCluster.storeURL(url))
            defer { gateway.cleanUp() }
            try await gateway.start()

            func post(_ batch: Int) async throws -> GatewayProcess.Response {
                let targets = (0..<100).map { index in
                    #"{"vendor":"apns","token":"ab\#(String(format: "%06x%02x", batch, index))\#(String(repeating: "d", count: 54))"}"#
                }.joined(separator: ",")
                let body = #"{"notification":{"title":"Outage","body":"\#(batch)"},"targets":[\#(targets)]}"#
                return try await gateway.request("POST", "/v1/notifications", body: Data(body.utf8))
            }
            var notificationIDs: [String] = []
            var deliveryIDs: [String] = []
            for batch in 0..<10 {
                let response = try await post(batch)
                try #require(response.status == 202, "\(String(decoding: response.body, as: UTF8.self))")
                let json = try #require(response.json)
                notificationIDs.append(try #require(json["id"] as? String))
                deliveryIDs += (json["deliveries"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            for _ in 0..<100 where simulator.counters().accepted < 100 {
                try await Task.sleep(for: .milliseconds(20))
            }

            let admin = try PostgresTestCluster.adminURL()
            try await PostgresTestCluster.execute(
                "ALTER DATABASE \(url.database) ALLOW_CONNECTIONS false",
                "SELECT pg_terminate_backend(pid)::text FROM pg_stat_activity WHERE datname = '\(url.database)'",
                on: admin)
            #expect(simulator.counters().accepted < 1_000, "the outage comes while deliveries are pending")
            let refused = try await post(99)
            #expect(refused.status == 503, "\(String(decoding: refused.body, as: UTF8.self))")
            #expect(refused.headers["retry-after"] != nil)
            #expect(refused.headers["content-type"]?.hasPrefix("application/problem+json") == true)
            #expect(try await gateway.request("GET", "/readyz").status == 503)

            try await PostgresTestCluster.execute("ALTER DATABASE \(url.database) ALLOW_CONNECTIONS true", on: admin)
            var delivered = 0
            for _ in 0..<300 {
                delivered = 0
                for id in notificationIDs {
                    let status = try await gateway.request("GET", "/v1/notifications/\(id)")
                    let deliveries = status.json?["deliveries"] as? [[String: Any]] ?? []
                    delivered += deliveries.filter { $0["state"] as? String == "delivered" }.count
                }
                if delivered == 1_000 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(delivered == 1_000, "everything accepted before the outage is delivered after it")
            #expect(try await gateway.request("GET", "/readyz").status == 200)
            #expect(gateway.terminate() == 0, "SIGTERM exits cleanly")
            for id in deliveryIDs {
                #expect(simulator.acceptedCount(apnsID: id) >= 1, "delivery \(id) was never sent")
            }
            let counters = simulator.counters()
            #expect(counters.accepted == 1_000 + counters.duplicateAPNSIDs)
            try await simulator.shutdown()
        }
    }
}
