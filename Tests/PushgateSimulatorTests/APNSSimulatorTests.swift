import Crypto
import Foundation
import Testing

@testable import PushgateSimulator

@Suite("APNs simulator end to end, over HTTP/2 with curl")
struct APNSSimulatorTests {
    @Test("A valid push is accepted, its apns-id echoed and counted")
    func validPush() async throws {
        try await SimulatorHarness.with { harness in
            let apnsID = UUID().uuidString.lowercased()
            let result = try await harness.send(try harness.pushRequest(apnsID: apnsID))
            #expect(result.status == 200, "\(result.stderr)")
            #expect(result.headers["apns-id"] == apnsID)
            #expect(result.body.isEmpty)
            let counters = harness.simulator.counters()
            #expect(counters.requests == 1)
            #expect(counters.accepted == 1)
            #expect(counters.rejected.isEmpty)
            #expect(counters.connectionsOpened == 1)
            #expect(counters.providerTokensSeen == 1)
            #expect(harness.simulator.acceptedCount(apnsID: apnsID.uppercased()) == 1)
        }
    }

    @Test("Without apns-id the answer carries a generated upper-case one")
    func generatedAPNSID() async throws {
        try await SimulatorHarness.with { harness in
            let result = try await harness.send(try harness.pushRequest(apnsID: nil))
            #expect(result.status == 200)
            let generated = try #require(result.headers["apns-id"])
            #expect(UUID(uuidString: generated) != nil)
            #expect(generated == generated.uppercased())
            #expect(harness.simulator.acceptedCount(apnsID: generated) == 1)
        }
    }

    @Test("The certificate is trusted for localhost and 127.0.0.1 with only the CA")
    func certificateHosts() async throws {
        try await SimulatorHarness.with { harness in
            for host in ["localhost", "127.0.0.1"] {
                var request = try harness.pushRequest()
                request.url = harness.url("/3/device/\(randomDeviceToken())", host: host)
                let result = try await harness.send(request)
                #expect(result.exitCode == 0, "\(host): \(result.stderr)")
                #expect(result.status == 200)
            }
        }
    }

    @Test("The same apns-id accepted twice counts one duplicate")
    func duplicateAPNSIDs() async throws {
        try await SimulatorHarness.with { harness in
            let apnsID = UUID().uuidString.lowercased()
            for _ in 0..<2 {
                let result = try await harness.send(try harness.pushRequest(apnsID: apnsID))
                #expect(result.status == 200)
            }
            let counters = harness.simulator.counters()
            #expect(counters.accepted == 2)
            #expect(counters.duplicateAPNSIDs == 1)
            #expect(harness.simulator.acceptedCount(apnsID: apnsID) == 2)
        }
    }

    @Test("/_sim/counters answers the counters as JSON, /_sim/reset zeroes them, neither is counted")
    func simulatorEndpoints() async throws {
        try await SimulatorHarness.with { harness in
            _ = try await harness.send(try harness.pushRequest())
            _ = try await harness.send(try harness.pushRequest(body: ""))

            let read = try await harness.send(Curl.Request(url: harness.url("/_sim/counters"), method: "GET"))
            #expect(read.status == 200)
            let counters = try JSONDecoder().decode(APNSSimulator.Counters.self, from: Data(read.body.utf8))
            #expect(counters.requests == 2)
            #expect(counters.accepted == 1)
            #expect(counters.rejected == ["PayloadEmpty": 1])
            #expect(counters == harness.simulator.counters())

            let reset = try await harness.send(Curl.Request(url: harness.url("/_sim/reset"), method: "POST"))
            #expect(reset.status == 200)
            let afterReset = harness.simulator.counters()
            #expect(afterReset.requests == 0)
            #expect(afterReset.accepted == 0)
        }
    }

    @Test("A 410 carries a timestamp in milliseconds")
    func unregisteredTimestamp() async throws {
        try await SimulatorHarness.with { harness in
            let before = Date().timeIntervalSince1970 * 1000
            let result = try await harness.send(
                try harness.pushRequest(deviceToken: randomDeviceToken(prefix: "41000000"))
            )
            #expect(result.status == 410)
            #expect(result.reason == "Unregistered")
            let timestamp = try #require(result.json?["timestamp"] as? NSNumber).doubleValue
            #expect(timestamp >= before.rounded(.down) && timestamp <= Date().timeIntervalSince1970 * 1000 + 1)
        }
    }

    @Test(
        "Response faults by token prefix",
        arguments: [
            ("40000000", 400, "BadDeviceToken"), ("40000001", 400, "DeviceTokenNotForTopic"),
            ("42900000", 429, "TooManyRequests"), ("50000000", 500, "InternalServerError"),
            ("50300000", 503, "ServiceUnavailable"), ("50300001", 503, "Shutdown"),
        ]
    )
    func responseFaults(prefix: String, status: Int, reason: String) async throws {
        try await SimulatorHarness.with { harness in
            let apnsID = UUID().uuidString.lowercased()
            let result = try await harness.send(
                try harness.pushRequest(deviceToken: randomDeviceToken(prefix: prefix), apnsID: apnsID)
            )
            #expect(result.status == status)
            #expect(result.reason == reason)
            #expect(result.headers["apns-id"] == apnsID)
            #expect(result.json?["timestamp"] == nil)
        }
    }

    @Test("Faults apply only after authentication")
    func faultsNeedAuthentication() async throws {
        try await SimulatorHarness.with { harness in
            var request = try harness.pushRequest(deviceToken: randomDeviceToken(prefix: "41000000"))
            request.headers.removeAll { $0.0 == "authorization" }
            let result = try await harness.send(request)
            #expect(result.status == 403)
            #expect(result.reason == "MissingProviderToken")
        }
    }

    @Test("slow answers 200 after slowResponseDelay")
    func slowFault() async throws {
        try await SimulatorHarness.with({ $0.slowResponseDelay = .milliseconds(400) }) { harness in
            let started = ContinuousClock.now
            let result = try await harness.send(
                try harness.pushRequest(deviceToken: randomDeviceToken(prefix: "de1a0000"))
            )
            #expect(result.status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(400))
            let counters = harness.simulator.counters()
            #expect(counters.requests == 1)
            #expect(counters.accepted == 1)
        }
    }

    @Test("neverAnswer leaves the stream open")
    func neverAnswerFault() async throws {
        try await SimulatorHarness.with { harness in
            let result = try await harness.send(
                try harness.pushRequest(deviceToken: randomDeviceToken(prefix: "51100000")),
                timeoutSeconds: 3
            )
            #expect(result.exitCode == 28)  // curl: operation timed out
            let counters = harness.simulator.counters()
            #expect(counters.unanswered == 1)
            #expect(counters.accepted == 0)
        }
    }

    @Test("dropConnection closes the connection unanswered and is not accepted")
    func dropConnectionFault() async throws {
        try await SimulatorHarness.with { harness in
            let apnsID = UUID().uuidString.lowercased()
            let result = try await harness.send(
                try harness.pushRequest(deviceToken: randomDeviceToken(prefix: "d0d00000"), apnsID: apnsID)
            )
            #expect(result.exitCode != 0)
            #expect(result.status == 0)
            let counters = harness.simulator.counters()
            #expect(counters.droppedConnections == 1)
            #expect(counters.accepted == 0)
            #expect(harness.simulator.acceptedCount(apnsID: apnsID) == 0)
        }
    }

    @Test("acceptThenDropConnection records the push but loses the answer")
    func acceptThenDropFault() async throws {
        try await SimulatorHarness.with { harness in
            let apnsID = UUID().uuidString.lowercased()
            let result = try await harness.send(
                try harness.pushRequest(deviceToken: randomDeviceToken(prefix: "acd00000"), apnsID: apnsID)
            )
            #expect(result.exitCode != 0)
            #expect(result.status == 0)
            #expect(harness.simulator.counters().accepted == 1)
            #expect(harness.simulator.acceptedCount(apnsID: apnsID) == 1)
        }
    }

    @Test("refuseStream resets the stream with REFUSED_STREAM before anything else")
    func refuseStreamFault() async throws {
        try await SimulatorHarness.with { harness in
            // No authorization at all: refusal comes before authentication.
            var request = try harness.pushRequest(deviceToken: randomDeviceToken(prefix: "ef000000"))
            request.headers.removeAll { $0.0 == "authorization" }
            let result = try await harness.send(request)
            // curl retries a refused stream on its own, a few times, then gives up.
            #expect(result.exitCode != 0)
            #expect(result.status == 0)
            let counters = harness.simulator.counters()
            #expect(counters.refusedStreams >= 1)
            #expect(counters.requests == counters.refusedStreams)
            #expect(counters.accepted == 0)
            #expect(counters.rejected.isEmpty)
        }
    }

    @Test("GOAWAY after N requests: the Nth is answered, nothing after it is processed")
    func goAwayAfterRequests() async throws {
        try await SimulatorHarness.with({ $0.goAwayAfterRequests = 1 }) { harness in
            let result = try await Curl.run(
                [try harness.pushRequest(), try harness.pushRequest()],
                caFile: harness.caFile
            )
            let counters = harness.simulator.counters()
            #expect(counters.goAwaysSent >= 1)
            // curl 7.88 sometimes reuses the connection before it reads GOAWAY, then gives up on that request
            // (exit 16) instead of retrying it; either way the server must not have processed it.
            if result.exitCode == 0 {
                #expect(result.status == 200)
                #expect(counters.accepted == 2)
                #expect(counters.connectionsOpened == 2)
            } else {
                #expect(result.exitCode == 16, "\(result.stderr)")
                #expect(counters.accepted == 1)
            }
            #expect(counters.requests == counters.accepted)
        }
    }

    @Test("Requests share a connection, and the token is verified once per connection")
    func connectionReuse() async throws {
        try await SimulatorHarness.with { harness in
            let authorization = "bearer \(try harness.token())"
            let requests = try (0..<3).map { _ in try harness.pushRequest(authorization: authorization) }
            let result = try await Curl.run(requests, caFile: harness.caFile)
            #expect(result.status == 200)
            let counters = harness.simulator.counters()
            #expect(counters.accepted == 3)
            #expect(counters.connectionsOpened == 1)
            #expect(counters.providerTokensSeen == 1)
            #expect(counters.providerTokenChanges == 0)
        }
    }
}
