import Foundation
import NIOPosix
import Testing

@testable import PushgateSimulator

@Suite("APNs simulator connection-level behaviour, seen by a bare HTTP/2 client")
struct APNSConnectionBehaviourTests {
    static func pushHeaders(_ harness: SimulatorHarness, token: String) -> [(String, String)] {
        [
            ("authorization", "bearer \(token)"), ("apns-topic", SimulatorHarness.topic), ("apns-push-type", "alert"),
            ("apns-id", UUID().uuidString.lowercased()),
        ]
    }

    @Test("One stream until a valid token is accepted, then maxConcurrentStreams")
    func streamLimitRaisedAfterFirstToken() async throws {
        try await SimulatorHarness.with({ $0.maxConcurrentStreams = 700 }) { harness in
            let client = try await H2TestClient.connect(
                port: harness.port,
                caPEM: harness.certificates.caCertificatePEM,
                group: MultiThreadedEventLoopGroup.singleton
            )
            #expect(try await client.waitFor { $0.first == .maxConcurrentStreams(1) })
            let token = try harness.token()

            // A push refused for its payload still proves the token: the limit rises.
            let rejected = try await client.send(
                path: "/3/device/\(randomDeviceToken())",
                headers: Self.pushHeaders(harness, token: token),
                body: ""
            )
            #expect(rejected.status == 400)
            #expect(try await client.waitFor { $0.contains(.maxConcurrentStreams(700)) })

            let accepted = try await client.send(
                path: "/3/device/\(randomDeviceToken())",
                headers: Self.pushHeaders(harness, token: token),
                body: #"{"aps":{}}"#
            )
            #expect(accepted.status == 200)
            #expect(client.events == [.maxConcurrentStreams(1), .maxConcurrentStreams(700)])
            await client.close()
        }
    }

    @Test("A bad token leaves the limit at one")
    func streamLimitKeptAfterBadToken() async throws {
        try await SimulatorHarness.with { harness in
            let client = try await H2TestClient.connect(
                port: harness.port,
                caPEM: harness.certificates.caCertificatePEM,
                group: MultiThreadedEventLoopGroup.singleton
            )
            let response = try await client.send(
                path: "/3/device/\(randomDeviceToken())",
                headers: Self.pushHeaders(harness, token: "x.y.z"),
                body: #"{"aps":{}}"#
            )
            #expect(response.status == 403)
            try await Task.sleep(for: .milliseconds(100))
            #expect(client.events == [.maxConcurrentStreams(1)])
            await client.close()
        }
    }

    @Test("dropStreamLimitAfterRejection: back to one after a rejected push, restored by the next accepted")
    func streamLimitDropsAfterRejection() async throws {
        try await SimulatorHarness.with({ $0.dropStreamLimitAfterRejection = true }) { harness in
            let client = try await H2TestClient.connect(
                port: harness.port,
                caPEM: harness.certificates.caCertificatePEM,
                group: MultiThreadedEventLoopGroup.singleton
            )
            let token = try harness.token()
            let good = #"{"aps":{}}"#
            #expect(
                try await client.send(
                    path: "/3/device/\(randomDeviceToken())",
                    headers: Self.pushHeaders(harness, token: token),
                    body: good
                ).status == 200
            )
            #expect(
                try await client.send(
                    path: "/3/device/\(randomDeviceToken(prefix: "41000000"))",
                    headers: Self.pushHeaders(harness, token: token),
                    body: good
                ).status == 410
            )
            #expect(
                try await client.send(
                    path: "/3/device/\(randomDeviceToken())",
                    headers: Self.pushHeaders(harness, token: token),
                    body: good
                ).status == 200
            )
            #expect(try await client.waitFor { $0.count == 4 })
            #expect(
                client.events == [
                    .maxConcurrentStreams(1), .maxConcurrentStreams(1000), .maxConcurrentStreams(1),
                    .maxConcurrentStreams(1000),
                ]
            )
            await client.close()
        }
    }

    @Test("Certificate-auth connections start at maxConcurrentStreams")
    func certificateAuthStreamLimit() async throws {
        // Without client certificates configured but also without token keys, nothing can raise the limit: start high.
        try await SimulatorHarness.with({ $0.tokenKeys = [:] }) { harness in
            let client = try await H2TestClient.connect(
                port: harness.port,
                caPEM: harness.certificates.caCertificatePEM,
                group: MultiThreadedEventLoopGroup.singleton
            )
            #expect(try await client.waitFor { $0.first == .maxConcurrentStreams(1000) })
            await client.close()
        }
    }

    @Test("GOAWAY names the Nth stream, carries a JSON reason; later streams are not processed; then it closes")
    func goAway() async throws {
        try await SimulatorHarness.with({ $0.goAwayAfterRequests = 2 }) { harness in
            let client = try await H2TestClient.connect(
                port: harness.port,
                caPEM: harness.certificates.caCertificatePEM,
                group: MultiThreadedEventLoopGroup.singleton
            )
            let token = try harness.token()
            let first = try await client.send(
                path: "/3/device/\(randomDeviceToken())",
                headers: Self.pushHeaders(harness, token: token),
                body: #"{"aps":{}}"#
            )
            #expect(first.status == 200)
            #expect(try await client.waitFor { $0.contains(.maxConcurrentStreams(1000)) })

            // Streams 3 and 5 together: 3 is the second request, so GOAWAY names it and 5 is never processed.
            // Whichever of the two gets stream 5 must fail unprocessed.
            let pending = (0..<2).map { _ in
                let headers = Self.pushHeaders(harness, token: token)
                return Task {
                    try await client.send(
                        path: "/3/device/\(randomDeviceToken())",
                        headers: headers,
                        body: #"{"aps":{}}"#
                    )
                }
            }
            var statuses: [Int] = []
            var failures = 0
            for task in pending {
                do {
                    statuses.append(try await task.value.status)
                } catch {
                    failures += 1
                }
            }
            #expect(statuses == [200])
            #expect(failures == 1)
            #expect(
                try await client.waitFor { $0.contains(.goAway(lastStreamID: 3, debugData: #"{"reason":"Shutdown"}"#)) }
            )
            let counters = harness.simulator.counters()
            #expect(counters.requests == 2)
            #expect(counters.accepted == 2)
            #expect(counters.goAwaysSent == 1)

            // Closed by the server after its grace period.
            let deadline = ContinuousClock.now + .seconds(5)
            while client.isActive && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(!client.isActive)
        }
    }
}
