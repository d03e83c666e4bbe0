import Foundation
import Testing

@testable import PushgateSimulator

@Suite("APNs simulator failFirst fault, over HTTP/2 with curl")
struct APNSFailFirstFaultTests {
    @Test("5031a000: the first request per apns-id gets 503 ServiceUnavailable, the resend is accepted")
    func defaultRuleFailsOnceThenAccepts() async throws {
        try await SimulatorHarness.with { harness in
            let deviceToken = randomDeviceToken(prefix: "5031a000")
            let apnsID = UUID().uuidString.lowercased()

            let first = try await harness.send(try harness.pushRequest(deviceToken: deviceToken, apnsID: apnsID))
            #expect(first.status == 503, "\(first.stderr)")
            #expect(first.reason == "ServiceUnavailable")
            #expect(first.headers["apns-id"] == apnsID)
            #expect(harness.simulator.acceptedCount(apnsID: apnsID) == 0)

            let second = try await harness.send(try harness.pushRequest(deviceToken: deviceToken, apnsID: apnsID))
            #expect(second.status == 200)
            #expect(second.headers["apns-id"] == apnsID)

            // Once past its failures an id stays accepted.
            let third = try await harness.send(try harness.pushRequest(deviceToken: deviceToken, apnsID: apnsID))
            #expect(third.status == 200)

            let counters = harness.simulator.counters()
            #expect(counters.requests == 3)
            #expect(counters.rejected == ["ServiceUnavailable": 1])
            #expect(counters.accepted == 2)
            #expect(counters.duplicateAPNSIDs == 1)
            #expect(harness.simulator.acceptedCount(apnsID: apnsID) == 2)
        }
    }

    @Test("Failures are counted per apns-id, case-insensitively, and a reset starts them over")
    func countedPerAPNSID() async throws {
        let rule = APNSSimulator.FaultRule(
            tokenPrefix: "fa11",
            fault: .failFirst(times: 2, status: 500, reason: "InternalServerError")
        )
        try await SimulatorHarness.with({ $0.faults = [rule] }) { harness in
            let deviceToken = randomDeviceToken(prefix: "fa11")
            let one = UUID().uuidString.lowercased()
            let other = UUID().uuidString.lowercased()

            var statuses: [Int] = []
            for apnsID in [one, other, one.uppercased(), one, other, other] {
                let result = try await harness.send(try harness.pushRequest(deviceToken: deviceToken, apnsID: apnsID))
                statuses.append(result.status)
            }
            // `one` fails twice (lower and upper case are the same id), then passes; `other` likewise on its own.
            #expect(statuses == [500, 500, 500, 200, 500, 200])
            #expect(harness.simulator.acceptedCount(apnsID: one) == 1)
            #expect(harness.simulator.acceptedCount(apnsID: other) == 1)

            harness.simulator.resetCounters()
            let afterReset = try await harness.send(try harness.pushRequest(deviceToken: deviceToken, apnsID: one))
            #expect(afterReset.status == 500)
            #expect(afterReset.reason == "InternalServerError")
        }
    }

    @Test("Without an apns-id every request is a new id, so it always fails")
    func withoutAPNSIDAlwaysFails() async throws {
        try await SimulatorHarness.with { harness in
            let deviceToken = randomDeviceToken(prefix: "5031a000")
            for _ in 0..<2 {
                let result = try await harness.send(try harness.pushRequest(deviceToken: deviceToken, apnsID: nil))
                #expect(result.status == 503)
            }
            #expect(harness.simulator.counters().accepted == 0)
        }
    }

    @Test("validate rejects a negative count and a success status")
    func validation() throws {
        var configuration = APNSSimulator.Configuration(certificates: try DevelopmentCertificates.make())
        configuration.faults = [
            .init(tokenPrefix: "aa", fault: .failFirst(times: -1, status: 503, reason: "ServiceUnavailable")),
            .init(tokenPrefix: "bb", fault: .failFirst(times: 1, status: 200, reason: "OK")),
        ]
        let error = try #require(throws: SimulatorError.self) { try configuration.validate() }
        #expect(error.message.contains("faults[0].fault"))
        #expect(error.message.contains("faults[1].fault"))
    }
}
