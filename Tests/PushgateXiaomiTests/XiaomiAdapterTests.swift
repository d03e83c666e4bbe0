import Foundation
import Logging
import NIOPosix
import PushgateCore
import PushgateSimulator
import PushgateTestSupport
import Testing

@testable import PushgateXiaomi

/// The adapter against the Xiaomi simulator over real TLS and HTTP/1.1.
@Suite("Xiaomi adapter against the simulator", .timeLimit(.minutes(2)))
struct XiaomiAdapterTests {
    static let secret = "xm+secret/=="
    static let package = "com.example.xm"
    static let logger: Logger = {
        var logger = Logger(label: "xiaomi-tests")
        logger.logLevel = .critical
        return logger
    }()

    static func with(
        _ change: (inout XiaomiSimulator.Configuration) -> Void = { _ in },
        configure: (inout XiaomiConfiguration) -> Void = { _ in },
        _ body: (XiaomiAdapter, XiaomiSimulator) async throws -> Void
    ) async throws {
        let certificates = try DevelopmentCertificates.make()
        var simulatorConfiguration = XiaomiSimulator.Configuration(certificates: certificates)
        simulatorConfiguration.apps = [Self.secret: [Self.package]]
        change(&simulatorConfiguration)
        let simulator = try await XiaomiSimulator.start(configuration: simulatorConfiguration, logger: Self.logger)
        var configuration = XiaomiConfiguration(appSecret: Self.secret, packageName: Self.package)
        configuration.endpoint = "https://127.0.0.1:\(simulator.port)"
        configuration.transport.additionalTrustRootsPEM = certificates.caCertificatePEM
        configuration.transport.requestTimeout = .seconds(5)
        configure(&configuration)
        let adapter = try XiaomiAdapter(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
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

    static func batch(_ tokens: [String], notificationID: UUID = UUID()) -> [Delivery] {
        tokens.map {
            Delivery(
                notification: PushgateCore.Notification(title: "Hello", body: "from the tests", data: ["k": "v"]),
                notificationID: notificationID, target: DeviceTarget(vendor: .xiaomi, token: $0),
                expiresAt: Date().addingTimeInterval(3600))
        }
    }

    @Test("a batch: regids with + and / form-encoded, bad ones reported, the rest delivered, in order")
    func batchWithBadRegids() async throws {
        try await Self.with { adapter, simulator in
            let tokens = ["ok+1/a=", "BAD-1", "ok+2/b=", "BAD-2"]
            let reports = await adapter.send(Self.batch(tokens), logger: Self.logger)
            #expect(reports.map(\.outcome.kind) == [.delivered, .invalidToken, .delivered, .invalidToken])
            let counters = simulator.counters()
            #expect(counters.requests == 1)
            #expect(counters.acceptedPerToken["ok+1/a="] == 1)
            #expect(counters.unknownFields == [])
        }
    }

    @Test("1,000 regids in one request")
    func largestBatch() async throws {
        try await Self.with { adapter, simulator in
            let reports = await adapter.send(Self.batch((0..<1000).map { "R\($0)" }), logger: Self.logger)
            #expect(reports.count == 1000 && reports.allSatisfy { $0.outcome == .delivered })
            #expect(simulator.counters().requests == 1)
        }
    }

    @Test("a wrong secret pauses the lane; the daily quota pauses it until the next Beijing day")
    func credentialsAndQuota() async throws {
        try await Self.with(configure: { $0.appSecret = "wrong" }) { adapter, _ in
            let reports = await adapter.send(Self.batch(["R1"]), logger: Self.logger)
            #expect(reports.map(\.outcome) == [.retryable(after: nil, stage: .authentication)])
        }
        try await Self.with { adapter, _ in
            let reports = await adapter.send(Self.batch(["Q034-1"]), logger: Self.logger)
            guard case .quotaExhausted(let until?) = reports.first?.outcome else {
                Issue.record("expected a quota pause, got \(reports)")
                return
            }
            #expect(until > Date() && until <= Date().addingTimeInterval(86400))
        }
    }

    @Test(
        "faults are classified",
        arguments: [
            ("E500", DeliveryOutcome.Kind.retryable), ("E001", .retryable), ("R027", .retryable), ("ONCE", .retryable),
        ])
    func faults(prefix: String, kind: DeliveryOutcome.Kind) async throws {
        try await Self.with { adapter, _ in
            let reports = await adapter.send(Self.batch([prefix + "-x"]), logger: Self.logger)
            #expect(reports.map(\.outcome.kind) == [kind])
        }
    }

    @Test("no answer is ambiguous; a resend carries the same notify_id, which is what Xiaomi sees twice")
    func ambiguousAndResend() async throws {
        try await Self.with(configure: { $0.transport.requestTimeout = .seconds(3) }) { adapter, simulator in
            // Connected (and authorised) first, so the short timeout measures only the unanswered send.
            _ = await adapter.send(Self.batch(["WARM"]), logger: Self.logger)
            for prefix in ["DROP", "HANG"] {
                let reports = await adapter.send(Self.batch([prefix + "-1"]), logger: Self.logger)
                #expect(reports.map(\.outcome) == [.ambiguous(stage: .awaitingResponse)], "\(prefix)")
            }
            let batch = Self.batch(["RESENT"])
            _ = await adapter.send(batch, logger: Self.logger)
            _ = await adapter.send(batch, logger: Self.logger)
            #expect(simulator.counters().duplicates == 1)
            _ = await adapter.send(Self.batch(["RESENT"]), logger: Self.logger)
            #expect(simulator.counters().duplicates == 1, "another notification has another notify_id")
        }
    }

    @Test("a channel the console does not know is refused as Xiaomi refuses it")
    func channel() async throws {
        try await Self.with({ $0.channels = ["orders"] }, configure: { $0.channelID = "nope" }) { adapter, _ in
            let reports = await adapter.send(Self.batch(["R1"]), logger: Self.logger)
            #expect(reports.map(\.outcome) == [.permanent(reason: OutcomeReason("Xiaomi:27001"))])
        }
    }
}
