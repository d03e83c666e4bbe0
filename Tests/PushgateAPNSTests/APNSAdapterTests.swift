import Foundation
import Logging
import PushgateCore
import PushgateSimulator
import Testing

@testable import PushgateAPNS

/// The adapter against the simulator over real TLS sockets on loopback.
@Suite struct APNSAdapterTests {
    @Test func deliversAndEchoesTheDeliveryID() async throws {
        let fixture = try await SimulatorFixture.start()
        let delivery = SimulatorFixture.delivery()
        let report = await fixture.adapter.send(delivery, logger: .init(label: "t"))
        #expect(report.outcome == .delivered)
        #expect(report.vendorStatus == 200)
        #expect(report.vendorMessageID == delivery.id.uuidString.lowercased())
        #expect(fixture.simulator.acceptedCount(apnsID: delivery.id.uuidString) == 1)
        try await fixture.stop()
    }

    /// The simulator's fault tokens produce Apple's answers; each maps to its outcome.
    @Test(arguments: [
        ("41000000", DeliveryOutcome.Kind.invalidToken, 410, "Unregistered"),
        ("40000000", .permanent, 400, "BadDeviceToken"),
        ("40000001", .invalidToken, 400, "DeviceTokenNotForTopic"),
        ("42900000", .retryable, 429, "TooManyRequests"),
        ("50000000", .retryable, 500, "InternalServerError"),
        ("50300000", .retryable, 503, "ServiceUnavailable"),
    ])
    func vendorRejectionsAreClassified(prefix: String, kind: DeliveryOutcome.Kind, status: Int, reason: String)
        async throws
    {
        let fixture = try await SimulatorFixture.start()
        let report = await fixture.adapter.send(
            SimulatorFixture.delivery(token: SimulatorFixture.token(prefix: prefix)), logger: .init(label: "t"))
        #expect(report.outcome.kind == kind)
        #expect(report.vendorStatus == status)
        #expect(report.vendorReason == reason)
        if status == 410, case .invalidToken(_, let since) = report.outcome {
            let since = try #require(since, "410 keeps APNs' timestamp")
            #expect(abs(since.timeIntervalSinceNow) < 3600)
        }
        if reason == "BadDeviceToken" {
            // A well-formed token refused by production is reported as an environment mix-up, not dead.
            #expect(report.outcome == .permanent(reason: .environmentMismatch))
        }
        #expect(fixture.simulator.counters().rejected[reason] == 1)
        try await fixture.stop()
    }

    @Test func oneTokenPerKeyIsSharedByTheConnectionsAndKeptUntilFiftyMinutes() async throws {
        let fixture = try await SimulatorFixture.start(simulatorFollowsClock: true, connections: 2)
        var reports = try await fixture.sendAll((0..<40).map { _ in SimulatorFixture.delivery() })
        #expect(reports.allSatisfy { $0.outcome == .delivered })
        var counters = fixture.simulator.counters()
        #expect(counters.connectionsOpened == 2)
        #expect(counters.providerTokensSeen == 1, "one token for the key, on both connections")
        #expect(fixture.adapter.providerTokens?.mintedCount == 1)

        fixture.clock.advance(by: 45 * 60)  // Younger than 50 minutes: both keep it.
        reports = try await fixture.sendAll((0..<20).map { _ in SimulatorFixture.delivery() })
        #expect(reports.allSatisfy { $0.outcome == .delivered })
        #expect(fixture.simulator.counters().providerTokensSeen == 1)

        fixture.clock.advance(by: 6 * 60)  // 51 minutes: one new token, and both move to it.
        reports = try await fixture.sendAll((0..<20).map { _ in SimulatorFixture.delivery() })
        #expect(reports.allSatisfy { $0.outcome == .delivered })
        counters = fixture.simulator.counters()
        #expect(fixture.adapter.providerTokens?.mintedCount == 2)
        #expect(counters.providerTokensSeen == 2)
        #expect(counters.providerTokenChanges == 2)
        #expect(counters.rejected.isEmpty)
        try await fixture.stop()
    }

    /// The discipline under both readings of Apple's 20-minute rule, over 80 minutes of
    /// injected time, with connections replaced all along (GOAWAY every 30 requests) so new
    /// connections keep joining while the shared token ages.
    @Test(arguments: APNSSimulator.ProviderTokenRule.allCases)
    func theTokenScheduleHoldsForAnHourAndMore(rule: APNSSimulator.ProviderTokenRule) async throws {
        let fixture = try await SimulatorFixture.start(
            simulatorFollowsClock: true, connections: 2, requestTimeout: .seconds(120)
        ) {
            $0.providerTokenRule = rule
            $0.goAwayAfterRequests = 30
        }
        var all: [(Delivery, DeliveryReport)] = []
        for _ in 0...40 {  // A burst every 2 simulated minutes: 0 to 80 minutes.
            let deliveries = (0..<20).map { _ in SimulatorFixture.delivery() }
            all += zip(deliveries, try await fixture.sendAll(deliveries))
            fixture.clock.advance(by: 2 * 60)
        }
        let counters = fixture.simulator.counters()
        // Not one token answer: no update too many (either reading), none expired.
        #expect(counters.rejected.isEmpty, "\(counters.rejected)")
        #expect(all.allSatisfy { $0.1.vendorStatus == nil || $0.1.vendorStatus == 200 })
        fixture.expectDeliveredOnceOrAmbiguous(all.map(\.0), all.map(\.1))
        #expect(counters.goAwaysSent >= 10, "connections were replaced all along")
        // Mints at 0, 30 and 60 minutes (the first new connection after the token turned 30
        // minutes old); the simulator saw exactly those tokens.
        #expect(fixture.adapter.providerTokens?.mintedCount == 3)
        #expect(counters.providerTokensSeen == 3)
        try await fixture.stop()
    }

    @Test func tooManyProviderTokenUpdatesMintsNothingAndKeepsTheConnection() async throws {
        let fixture = try await SimulatorFixture.start(simulatorFollowsClock: true) {
            $0.providerTokenRule = .perConnectionAndKey
        }
        // Another process with the same key (a gateway just restarted, say) minted a token.
        let other = try APNSAdapter(
            configuration: fixture.adapter.configuration, eventLoopGroup: fixture.group,
            logger: Logger(label: "test.apns.other"), clock: { fixture.clock.now() })
        #expect(await other.send(SimulatorFixture.delivery(), logger: .init(label: "t")).outcome == .delivered)
        await other.shutdown()

        fixture.clock.advance(by: 5 * 60)
        for _ in 0..<4 {
            let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            #expect(report.outcome == .retryable(after: .seconds(60), stage: nil))
            #expect(report.vendorReason == "TooManyProviderTokenUpdates")
        }
        fixture.clock.advance(by: 10 * 60)  // Still within the back-off: still no new token.
        _ = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        var counters = fixture.simulator.counters()
        #expect(fixture.adapter.providerTokens?.mintedCount == 1, "never mint on TooManyProviderTokenUpdates")
        #expect(counters.rejected["TooManyProviderTokenUpdates"] == 5, "each push once: no resend")
        #expect(counters.connectionsOpened == 2, "the other process's, and ours, kept")

        // Once the other token has aged out and our own is due for a switch, a new one is
        // minted (the back-off is over) and accepted.
        fixture.clock.advance(by: 46 * 60)
        let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(report.outcome == .delivered)
        counters = fixture.simulator.counters()
        #expect(fixture.adapter.providerTokens?.mintedCount == 2)
        #expect(counters.connectionsOpened == 2)
        try await fixture.stop()
    }

    @Test func providerTokenSchedulesThatBreakApplesRulesAreRefused() throws {
        let key = try APNSSigningKey(keyID: "K", teamID: "T", privateKey: .init())
        let minutes: [(rotate: Int, switch: Int)] = [(19, 50), (30, 45), (30, 60), (40, 70)]
        for (rotate, switchAfter) in minutes {
            var configuration = APNSConfiguration(topic: "a", authentication: .token(key))
            configuration.providerTokens.rotateAfter = .seconds(rotate * 60)
            configuration.providerTokens.switchAfter = .seconds(switchAfter * 60)
            #expect(throws: PushgateError.self) {
                try APNSAdapter(
                    configuration: configuration, eventLoopGroup: .singletonMultiThreadedEventLoopGroup,
                    logger: .init(label: "t"))
            }
        }
    }

    @Test func anExpiredProviderTokenIsRetriedOnceOnAFreshConnection() async throws {
        // A clock 70 minutes slow makes every token "expired" for APNs.
        let fixture = try await SimulatorFixture.start(clockOffset: -70 * 60)
        let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(report.outcome == .permanent(reason: OutcomeReason("ExpiredProviderToken")))
        let counters = fixture.simulator.counters()
        #expect(counters.rejected["ExpiredProviderToken"] == 2, "one resend with a fresh token, no more")
        #expect(counters.connectionsOpened == 2, "the resend used a new connection")
        #expect(fixture.adapter.providerTokens?.mintedCount == 2, "one new token for the expired one, no more")
        try await fixture.stop()
    }

    @Test func theStreamLimitStartsAtOneAndFollowsSettings() async throws {
        let fixture = try await SimulatorFixture.start { $0.maxConcurrentStreams = 7 }
        let reports = try await fixture.sendAll((0..<60).map { _ in SimulatorFixture.delivery() })
        #expect(reports.allSatisfy { $0.outcome == .delivered })
        let snapshots = await fixture.adapter.connectionSnapshots()
        let connection = try #require(snapshots.first)
        #expect(connection.streamLimit == 7)
        #expect(connection.peakInFlight <= 7)
        #expect(connection.peakInFlight > 1, "after the first accepted push the limit rose")
        #expect(fixture.simulator.counters().refusedStreams == 0)
        try await fixture.stop()
    }

    @Test func goAwayMidBurstLosesNothingAndSendsNothingTwice() async throws {
        // A long request timeout: on a loaded machine, requests queued behind the churn of
        // connections must not time out, or the test would measure the machine, not GOAWAY.
        let fixture = try await SimulatorFixture.start(connections: 2, requestTimeout: .seconds(120)) {
            $0.goAwayAfterRequests = 25
        }
        let deliveries = (0..<400).map { _ in SimulatorFixture.delivery() }
        let reports = try await fixture.sendAll(deliveries)
        let counters = fixture.simulator.counters()
        #expect(counters.goAwaysSent >= 10)
        #expect(counters.duplicateAPNSIDs == 0)
        fixture.expectDeliveredOnceOrAmbiguous(deliveries, reports)
        #expect(reports.filter { $0.outcome == .delivered }.count >= 390)
        try await fixture.stop()
    }

    /// The simulator shutting connections down the way golang.org/x/net/http2 does (GOAWAY as
    /// soon as the Nth request arrives, before earlier streams are answered; later streams
    /// dropped without RST_STREAM): every push is answered exactly once, none is ambiguous.
    @Test func goAwayBeforeAnsweringIsExactlyOnceAndNeverAmbiguous() async throws {
        let fixture = try await SimulatorFixture.start(connections: 2, requestTimeout: .seconds(120)) {
            $0.goAwayAfterRequests = 25
            $0.goAwayBeforeAnswering = true
        }
        let deliveries = (0..<400).map { _ in SimulatorFixture.delivery() }
        let reports = try await fixture.sendAll(deliveries)
        let counters = fixture.simulator.counters()
        #expect(counters.goAwaysSent >= 10)
        #expect(counters.duplicateAPNSIDs == 0)
        for (delivery, report) in zip(deliveries, reports) {
            #expect(report.outcome == .delivered, "\(report.outcome) \(report.vendorReason ?? "")")
            #expect(fixture.simulator.acceptedCount(apnsID: delivery.id.uuidString) == 1)
        }
        try await fixture.stop()
    }

    @Test func connectionDropsAreAccountedExactly() async throws {
        let fixture = try await SimulatorFixture.start(connections: 2)
        // Every 20th delivery makes the simulator drop its connection after reading the request.
        let deliveries = (0..<300).map { index in
            SimulatorFixture.delivery(token: SimulatorFixture.token(prefix: index % 20 == 7 ? "d0d00000" : ""))
        }
        let reports = try await fixture.sendAll(deliveries)
        var delivered = 0
        for (delivery, report) in zip(deliveries, reports) {
            let accepted = fixture.simulator.acceptedCount(apnsID: delivery.id.uuidString)
            switch report.outcome {
            case .delivered:
                delivered += 1
                #expect(accepted == 1)
            case .ambiguous(let stage):
                #expect(stage == .awaitingResponse)
                #expect(accepted <= 1)
            case .retryable(_, let stage):
                #expect(stage != nil)
                #expect(accepted == 0)
            default:
                Issue.record("unexpected \(report.outcome)")
            }
            if delivery.target.token.hasPrefix("d0d00000") {
                #expect(report.outcome.kind != .delivered)
            }
        }
        let counters = fixture.simulator.counters()
        #expect(counters.duplicateAPNSIDs == 0)
        // Everything APNs accepted is a delivery we sent once; the extra ones were accepted but
        // their answers died with the connection, and those are reported ambiguous.
        let acceptedOurs = deliveries.map { fixture.simulator.acceptedCount(apnsID: $0.id.uuidString) }.reduce(0, +)
        #expect(counters.accepted == acceptedOurs)
        #expect(counters.accepted >= delivered)
        // How many die with a dropped connection depends on what was in flight; the accounting above
        // must hold whatever the split.
        #expect(delivered > 0)
        #expect(counters.droppedConnections >= 1)
        try await fixture.stop()
    }

    @Test func anAnswerLostInTransitIsAmbiguousAndTheResendKeepsTheIdentity() async throws {
        let fixture = try await SimulatorFixture.start()
        let delivery = SimulatorFixture.delivery(token: SimulatorFixture.token(prefix: "acd00000"))
        let first = await fixture.adapter.send(delivery, logger: .init(label: "t"))
        #expect(first.outcome == .ambiguous(stage: .awaitingResponse))
        var retry = delivery
        retry.attempt = 2
        _ = await fixture.adapter.send(retry, logger: .init(label: "t"))
        // APNs saw the same apns-id twice: the device collapses it instead of showing two.
        #expect(fixture.simulator.acceptedCount(apnsID: delivery.id.uuidString) == 2)
        #expect(fixture.simulator.counters().duplicateAPNSIDs == 1)
        try await fixture.stop()
    }

    @Test func anUnansweredRequestTimesOutAsAmbiguousAndTheConnectionSurvives() async throws {
        let fixture = try await SimulatorFixture.start(requestTimeout: .milliseconds(500))
        let silent = await fixture.adapter.send(
            SimulatorFixture.delivery(token: SimulatorFixture.token(prefix: "51100000")), logger: .init(label: "t"))
        #expect(silent.outcome == .ambiguous(stage: .awaitingResponse))
        let next = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(next.outcome == .delivered)
        #expect(fixture.simulator.counters().connectionsOpened == 1)
        try await fixture.stop()
    }

    @Test func refusedStreamsAreResentThenReportedNotSent() async throws {
        let fixture = try await SimulatorFixture.start()
        let report = await fixture.adapter.send(
            SimulatorFixture.delivery(token: SimulatorFixture.token(prefix: "ef000000")), logger: .init(label: "t"))
        #expect(report.outcome == .retryable(after: nil, stage: .streamRefused))
        let counters = fixture.simulator.counters()
        #expect(counters.refusedStreams == 4, "the first try and three transparent resends")
        #expect(counters.accepted == 0)
        try await fixture.stop()
    }

    @Test func oversizedPayloadsNeverLeave() async throws {
        let fixture = try await SimulatorFixture.start()
        let report = await fixture.adapter.send(
            SimulatorFixture.delivery(body: String(repeating: "x", count: 4200)), logger: .init(label: "t"))
        #expect(report.outcome == .permanent(reason: .payloadTooLarge))
        let voip = await fixture.adapter.send(
            SimulatorFixture.delivery(body: String(repeating: "x", count: 4200), pushType: .voip),
            logger: .init(label: "t"))
        #expect(voip.outcome == .delivered)
        #expect(fixture.simulator.counters().requests == 1)
        try await fixture.stop()
    }

    @Test func unreachableEndpointsFailAtConnectAndBackOff() async throws {
        let key = try APNSSigningKey(keyID: "K", teamID: "T", privateKey: .init())
        var configuration = APNSConfiguration(topic: "a", authentication: .token(key))
        configuration.endpoint = .init(host: "127.0.0.1", port: 1)  // Nothing listens on port 1.
        configuration.pool.connections = 1
        // Long enough that a slow machine cannot outrun it between the sends below.
        configuration.pool.reconnectBackoffInitial = .seconds(300)
        let adapter = try APNSAdapter(
            configuration: configuration, eventLoopGroup: .singletonMultiThreadedEventLoopGroup,
            logger: .init(label: "t"))
        let first = await adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(first.outcome == .retryable(after: nil, stage: .connect))
        // The first reconnect is immediate; after another failure the pool backs off and sends
        // fail fast, saying when to try again (within a few sends, whatever the machine's load).
        var backoff: Duration?
        for _ in 0..<3 where backoff == nil {
            let next = await adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            if case .retryable(let after?, .connect) = next.outcome { backoff = after }
        }
        guard let after = backoff else {
            Issue.record("the pool never backed off")
            return
        }
        #expect(after > .seconds(200) && after <= .seconds(300))
        await adapter.shutdown()
    }

    @Test func certificateAuthentication() async throws {
        let certificates = try DevelopmentCertificates.make()
        let client = try certificates.makeClientCertificate(
            commonName: "Apple Push Services: com.example.app", uid: "com.example.app")
        var simulatorConfiguration = APNSSimulator.Configuration(certificates: certificates)
        simulatorConfiguration.clientCertificateTrustRootsPEM = certificates.caCertificatePEM
        simulatorConfiguration.eventLoopThreads = 1
        let simulator = try await APNSSimulator.start(configuration: simulatorConfiguration, logger: .init(label: "t"))
        var configuration = APNSConfiguration(
            topic: "com.example.app",
            authentication: .certificate(chainPEM: client.certificatePEM, privateKeyPEM: client.privateKeyPEM)
        )
        configuration.endpoint = .init(host: "127.0.0.1", port: simulator.port)
        configuration.additionalTrustRootsPEM = certificates.caCertificatePEM
        let adapter = try APNSAdapter(
            configuration: configuration, eventLoopGroup: .singletonMultiThreadedEventLoopGroup,
            logger: .init(label: "t"))
        #expect(await adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t")).outcome == .delivered)
        await adapter.shutdown()
        try await simulator.shutdown()
    }
}
