import Foundation
import PushgateCore
import PushgateHuawei
import PushgateSimulator
import PushgateTestSupport
import Testing

/// The adapter against the Huawei simulator over real TLS and HTTP/1.1.
@Suite("Huawei adapter against the simulator", .timeLimit(.minutes(2)))
struct HuaweiAdapterTests {
    @Test("one form-encoded token grant serves many sends, fetched once by 40 concurrent first sends")
    func tokenGrantSingleFlight() async throws {
        try await HuaweiFixture.with { fixture in
            try await fixture.withAdapter { adapter in
                let reports = await withTaskGroup(of: [DeliveryReport].self) { group in
                    for _ in 0..<40 {
                        group.addTask {
                            await adapter.send(
                                HuaweiFixture.batch([HuaweiFixture.token()]), logger: HuaweiFixture.logger)
                        }
                    }
                    return await group.reduce(into: []) { $0 += $1 }
                }
                #expect(reports.count == 40)
                #expect(reports.allSatisfy { $0.outcome == .delivered })
                #expect(reports.allSatisfy { $0.vendorMessageID != nil })
                let counters = fixture.simulator.counters()
                #expect(counters.tokenGrants == 1)
                #expect(counters.tokensAccepted == 40)
            }
        }
    }

    @Test("the token is refreshed before it expires, and once when Huawei calls it expired")
    func refresh() async throws {
        try await HuaweiFixture.with({ $0.accessTokenLifetime = .seconds(4) }) { fixture in
            try await fixture.withAdapter { adapter in
                let send = {
                    await adapter.send(HuaweiFixture.batch([HuaweiFixture.token()]), logger: HuaweiFixture.logger)
                }
                #expect(await send().map(\.outcome) == [.delivered])
                try await Task.sleep(for: .milliseconds(4200))
                #expect(await send().map(\.outcome) == [.delivered])
                #expect(fixture.simulator.counters().tokenGrants == 2)
                #expect(fixture.simulator.counters().rejectedByCode["80200003"] == nil, "refreshed proactively")

                fixture.simulator.expireAccessTokens()
                #expect(await send().map(\.outcome) == [.delivered])
                let counters = fixture.simulator.counters()
                #expect(counters.tokenGrants == 3)
                #expect(counters.rejectedByCode["80200003"] == 1)
            }
        }
    }

    @Test("80200003 mid-run (EXPT token): one refresh, one resend, delivered")
    func expiredMidRun() async throws {
        try await HuaweiFixture.with { fixture in
            try await fixture.withAdapter { adapter in
                let reports = await adapter.send(HuaweiFixture.batch(["EXPT-1"]), logger: HuaweiFixture.logger)
                #expect(reports.map(\.outcome) == [.delivered])
                let counters = fixture.simulator.counters()
                #expect(counters.tokenGrants == 2)
                #expect(counters.requests == 2)
            }
        }
    }

    @Test("a wrong secret pauses the lane (authentication stage) and is not asked again within the backoff")
    func wrongSecret() async throws {
        try await HuaweiFixture.with { fixture in
            var configuration = fixture.configuration(secret: "wrong+secret")
            configuration.tokenFetchBackoff = .seconds(60)
            try await fixture.withAdapter(configuration) { adapter in
                for _ in 0..<3 {
                    let reports = await adapter.send(HuaweiFixture.batch(["TOKA"]), logger: HuaweiFixture.logger)
                    #expect(reports.map(\.outcome) == [.retryable(after: nil, stage: .authentication)])
                    #expect(reports[0].vendorReason?.contains("12304") == true)
                    #expect(reports[0].vendorReason?.contains("wrong") == false, "the secret is never echoed")
                }
                let counters = fixture.simulator.counters()
                #expect(counters.tokenGrantRejections == 1)
                #expect(counters.requests == 0)
            }
        }
    }

    @Test("a batch with dead tokens: per-token outcomes, in order")
    func partialBatch() async throws {
        try await HuaweiFixture.with { fixture in
            try await fixture.withAdapter { adapter in
                let tokens = ["GOOD-1", "DEAD-1", "GOOD-2", "DEAD-2"]
                let reports = await adapter.send(HuaweiFixture.batch(tokens), logger: HuaweiFixture.logger)
                #expect(reports.map(\.outcome.kind) == [.delivered, .invalidToken, .delivered, .invalidToken])
                #expect(fixture.simulator.counters().tokensAccepted == 2)
            }
        }
    }

    @Test("80300007 for one token is a dead token only once the app has had a token accepted")
    func allTokensInvalid() async throws {
        try await HuaweiFixture.with { fixture in
            try await fixture.withAdapter { adapter in
                let first = await adapter.send(HuaweiFixture.batch(["DEAD-a"]), logger: HuaweiFixture.logger)
                #expect(first.map(\.outcome) == [.permanent(reason: OutcomeReason("Huawei:80300007"))])
                _ = await adapter.send(HuaweiFixture.batch(["GOOD-a"]), logger: HuaweiFixture.logger)
                let later = await adapter.send(HuaweiFixture.batch(["DEAD-b"]), logger: HuaweiFixture.logger)
                #expect(later.map(\.outcome) == [.invalidToken(reason: OutcomeReason("Huawei:80300007"), since: nil)])
            }
        }
    }

    @Test(
        "vendor faults are classified",
        arguments: [
            ("E503", DeliveryOutcome.Kind.retryable), ("E500", .retryable), ("PRMS", .permanent),
            ("ONCE", .retryable),
        ])
    func faults(prefix: String, kind: DeliveryOutcome.Kind) async throws {
        try await HuaweiFixture.with { fixture in
            try await fixture.withAdapter { adapter in
                let reports = await adapter.send(HuaweiFixture.batch([prefix + "-x"]), logger: HuaweiFixture.logger)
                #expect(reports.map(\.outcome.kind) == [kind])
            }
        }
    }

    @Test("no answer after the request left is ambiguous; a resend with the same identity is what Huawei sees twice")
    func ambiguousAndResend() async throws {
        try await HuaweiFixture.with { fixture in
            var configuration = fixture.configuration()
            configuration.transport.requestTimeout = .seconds(3)
            try await fixture.withAdapter(configuration) { adapter in
                // Connected (and authorised) first, so the short timeout measures only the unanswered send.
                _ = await adapter.send(HuaweiFixture.batch(["GOOD-warm"]), logger: HuaweiFixture.logger)
                for prefix in ["DROP", "HANG"] {
                    let reports = await adapter.send(HuaweiFixture.batch([prefix + "-1"]), logger: HuaweiFixture.logger)
                    #expect(reports.map(\.outcome) == [.ambiguous(stage: .awaitingResponse)], "\(prefix)")
                }
                // The gateway resends an ambiguous delivery as the same notification: same tag and
                // notify_id, so the device replaces rather than shows it twice.
                let batch = HuaweiFixture.batch(["GOOD-resent"])
                #expect(await adapter.send(batch, logger: HuaweiFixture.logger).map(\.outcome) == [.delivered])
                #expect(await adapter.send(batch, logger: HuaweiFixture.logger).map(\.outcome) == [.delivered])
                #expect(fixture.simulator.counters().duplicates == 1)
                _ = await adapter.send(HuaweiFixture.batch(["GOOD-resent"]), logger: HuaweiFixture.logger)
                #expect(fixture.simulator.counters().duplicates == 1, "another notification is not a duplicate")
            }
        }
    }

    @Test("an endpoint nobody listens on fails at the connect stage: never sent, the lane's outage signal")
    func unreachable() async throws {
        let port = try await freeLoopbackPort()
        try await HuaweiFixture.with { fixture in
            var configuration = fixture.configuration()
            configuration.endpoint = "https://127.0.0.1:\(port)"
            try await fixture.withAdapter(configuration) { adapter in
                let reports = await adapter.send(HuaweiFixture.batch(["TOK"]), logger: HuaweiFixture.logger)
                guard case .retryable(_, let stage?) = reports.first?.outcome else {
                    Issue.record("expected a retryable failure with a stage, got \(reports)")
                    return
                }
                #expect(!stage.vendorMayHaveReceived)
                #expect(stage.indicatesUnreachable)
            }
        }
    }

    @Test("validate_only is checked by Huawei and delivers nothing")
    func validateOnly() async throws {
        try await HuaweiFixture.with { fixture in
            var configuration = fixture.configuration()
            configuration.validateOnly = true
            try await fixture.withAdapter(configuration) { adapter in
                let reports = await adapter.send(HuaweiFixture.batch(["TOKV"]), logger: HuaweiFixture.logger)
                #expect(reports.map(\.outcome) == [.delivered])
                #expect(fixture.simulator.counters().validateOnly == 1)
                #expect(fixture.simulator.counters().tokensAccepted == 0)
            }
        }
    }

    @Test("what the simulator accepts is what the builder makes: no unknown fields, every option set")
    func fullMessageAccepted() async throws {
        try await HuaweiFixture.with { fixture in
            var configuration = fixture.configuration()
            configuration.category = "IM"
            configuration.channelID = "chat"
            configuration.badgeClass = "com.example.MainActivity"
            configuration.testMessages = true
            try await fixture.withAdapter(configuration) { adapter in
                var notification = PushgateCore.Notification(
                    title: "t", body: "b", badge: 3, sound: .default, data: ["k": "v"], priority: .low,
                    collapseKey: "thread-1")
                notification.overrides[.huawei] = .object(["android": .object(["collapse_key": .integer(-1)])])
                let delivery = Delivery(
                    notification: notification, notificationID: UUID(),
                    target: DeviceTarget(vendor: .huawei, token: "T1"),
                    expiresAt: Date().addingTimeInterval(600))
                #expect(adapter.validate(delivery) == nil)
                #expect(await adapter.send([delivery], logger: HuaweiFixture.logger).map(\.outcome) == [.delivered])
                #expect(fixture.simulator.counters().unknownFields == [])
            }
        }
    }

    @Test("1,000 tokens in one request, each accepted")
    func largestBatch() async throws {
        try await HuaweiFixture.with { fixture in
            try await fixture.withAdapter { adapter in
                #expect(adapter.maxBatchSize == 1000)
                let tokens = (0..<1000).map { "TOK\($0)" }
                let reports = await adapter.send(HuaweiFixture.batch(tokens), logger: HuaweiFixture.logger)
                #expect(reports.count == 1000)
                #expect(reports.allSatisfy { $0.outcome == .delivered })
                #expect(fixture.simulator.counters().requests == 1)
            }
        }
    }
}
