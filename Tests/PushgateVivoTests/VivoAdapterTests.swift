import Foundation
import Logging
import NIOPosix
import PushgateCore
import PushgateSimulator
import PushgateTestSupport
import Testing

@testable import PushgateVivo

/// The adapter against the vivo simulator over real TLS and HTTP/1.1.
@Suite("vivo adapter against the simulator", .timeLimit(.minutes(2)))
struct VivoAdapterTests {
    static let appID = "10042"
    static let appKey = "vivo-key"
    static let appSecret = "vivo+secret/=="
    static let logger: Logger = {
        var logger = Logger(label: "vivo-tests")
        logger.logLevel = .critical
        return logger
    }()

    static func with(
        _ change: (inout VivoSimulator.Configuration) -> Void = { _ in },
        configure: (inout VivoConfiguration) -> Void = { _ in },
        clock: @escaping @Sendable () -> Date = { Date() },
        _ body: (VivoAdapter, VivoSimulator) async throws -> Void
    ) async throws {
        let certificates = try DevelopmentCertificates.make()
        var simulatorConfiguration = VivoSimulator.Configuration(certificates: certificates)
        simulatorConfiguration.apps = [Self.appID: .init(appKey: Self.appKey, appSecret: Self.appSecret)]
        simulatorConfiguration.now = clock
        change(&simulatorConfiguration)
        let simulator = try await VivoSimulator.start(configuration: simulatorConfiguration, logger: Self.logger)
        var configuration = VivoConfiguration(appID: Self.appID, appKey: Self.appKey, appSecret: Self.appSecret)
        configuration.endpoint = "https://127.0.0.1:\(simulator.port)"
        configuration.transport.additionalTrustRootsPEM = certificates.caCertificatePEM
        configuration.transport.requestTimeout = .seconds(5)
        configure(&configuration)
        let adapter = try VivoAdapter(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: Self.logger,
            clock: clock)
        do {
            try await body(adapter, simulator)
        } catch {
            await adapter.shutdown()
            try? await simulator.shutdown()
            throw error
        }
        await adapter.shutdown()
        try await simulator.shutdown()
    }

    static func batch(
        _ tokens: [String], notificationID: UUID = UUID(), expiresAt: Date? = Date().addingTimeInterval(3600)
    ) -> [Delivery] {
        tokens.map {
            Delivery(
                notification: PushgateCore.Notification(title: "Hello", body: "from the tests", data: ["k": "v"]),
                notificationID: notificationID, target: DeviceTarget(vendor: .vivo, token: $0), expiresAt: expiresAt)
        }
    }

    @Test("signed auth once for 20 concurrent sends; one regId through /message/send")
    func singleFlightAuth() async throws {
        try await Self.with { adapter, simulator in
            let reports = await withTaskGroup(of: [DeliveryReport].self) { group in
                for index in 0..<20 {
                    group.addTask { await adapter.send(Self.batch(["R\(index)"]), logger: Self.logger) }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            #expect(reports.count == 20 && reports.allSatisfy { $0.outcome == .delivered })
            let counters = simulator.counters()
            #expect(counters.authGrants == 1)
            #expect(counters.tokensAccepted == 20)
            #expect(counters.unknownFields == [])
        }
    }

    @Test("a list: one payload, one pushToList, invalid users per regId, in order")
    func list() async throws {
        try await Self.with { adapter, simulator in
            let tokens = ["A1", "BAD1-x", "A2", "BAD2-y", "BAD4-z"]
            let reports = await adapter.send(Self.batch(tokens), logger: Self.logger)
            #expect(reports.map(\.outcome.kind) == [.delivered, .invalidToken, .delivered, .invalidToken, .permanent])
            let counters = simulator.counters()
            #expect(counters.listPayloadsSaved == 1)
            #expect(counters.tokensAccepted == 2)
        }
    }

    @Test("a resend of the same delivery or the same batch is dropped by vivo itself (same requestId)")
    func requestIDReplay() async throws {
        try await Self.with { adapter, simulator in
            let single = Self.batch(["S1"])
            #expect(await adapter.send(single, logger: Self.logger).map(\.outcome) == [.delivered])
            #expect(await adapter.send(single, logger: Self.logger).map(\.outcome) == [.delivered])
            let list = Self.batch(["L1", "L2", "L3"])
            _ = await adapter.send(list, logger: Self.logger)
            _ = await adapter.send(list, logger: Self.logger)
            let counters = simulator.counters()
            #expect(counters.acceptedPerToken["S1"] == 1)
            #expect(counters.acceptedPerToken["L1"] == 1)
            #expect(counters.replaysDropped >= 2)
        }
    }

    @Test("10000 mid-run: one new authToken, one resend, delivered; wrong credentials pause the lane")
    func authRefresh() async throws {
        try await Self.with { adapter, simulator in
            #expect(await adapter.send(Self.batch(["EXPT-1"]), logger: Self.logger).map(\.outcome) == [.delivered])
            #expect(simulator.counters().authGrants == 2)
            simulator.expireAuthTokens()
            #expect(await adapter.send(Self.batch(["R9"]), logger: Self.logger).map(\.outcome) == [.delivered])
            #expect(simulator.counters().authGrants == 3)
        }
        try await Self.with(configure: { $0.appSecret = "wrong" }) { adapter, simulator in
            let reports = await adapter.send(Self.batch(["R1"]), logger: Self.logger)
            #expect(reports.map(\.outcome) == [.retryable(after: nil, stage: .authentication)])
            #expect(simulator.counters().requests == 0)
        }
    }

    @Test("operation messages outside 07:00–23:00 Beijing wait without a request; inside they are sent")
    func operationWindow() async throws {
        // 2027-01-15 01:00 Beijing time.
        let night = Date(timeIntervalSince1970: 1_800_000_000 - 15 * 3600)
        try await Self.with(configure: { $0.classification = 0 }, clock: { night }) { adapter, simulator in
            let reports = await adapter.send(Self.batch(["R1"], expiresAt: nil), logger: Self.logger)
            #expect(reports.map(\.outcome) == [.quotaExhausted(until: night.addingTimeInterval(6 * 3600))])
            #expect(simulator.counters().requests == 0)
        }
        let noon = night.addingTimeInterval(11 * 3600)
        try await Self.with(configure: { $0.classification = 0 }, clock: { noon }) { adapter, _ in
            #expect(
                await adapter.send(Self.batch(["R1"], expiresAt: nil), logger: Self.logger).map(\.outcome) == [
                    .delivered
                ])
        }
    }

    @Test(
        "faults are classified",
        arguments: [
            ("E500", DeliveryOutcome.Kind.retryable), ("R072", .retryable), ("Q070", .quotaExhausted),
            ("ONCE", .retryable),
        ])
    func faults(prefix: String, kind: DeliveryOutcome.Kind) async throws {
        try await Self.with { adapter, _ in
            let reports = await adapter.send(Self.batch([prefix + "-x"]), logger: Self.logger)
            #expect(reports.map(\.outcome.kind) == [kind])
        }
    }

    @Test("no answer is ambiguous")
    func ambiguous() async throws {
        try await Self.with(configure: { $0.transport.requestTimeout = .seconds(3) }) { adapter, _ in
            // Connected (and authorised) first, so the short timeout measures only the unanswered send.
            _ = await adapter.send(Self.batch(["WARM"]), logger: Self.logger)
            for prefix in ["DROP", "HANG"] {
                let reports = await adapter.send(Self.batch([prefix + "-1"]), logger: Self.logger)
                #expect(reports.map(\.outcome) == [.ambiguous(stage: .awaitingResponse)], "\(prefix)")
            }
        }
    }
}
