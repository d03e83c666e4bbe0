import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PushgateCore
import PushgateProxy
import PushgateSimulator
import PushgateTestSupport
import Testing

@testable import PushgateAPNS

/// The adapter through our own CONNECT proxy (`ConnectProxy`, in-process) to the simulator: one tunnel per
/// HTTP/2 connection, each proxy refusal at its precise stage, a proxy that dies in the middle of a burst, and
/// GOAWAY through a tunnel. Every test also checks ARCHITECTURE rule 4 for the proxy: a failure on the way to
/// the proxy happens before any request byte leaves, so it is never reported ambiguous.
@Suite struct APNSThroughPushgateProxyTests {
    // MARK: Tunnels

    @Test func aPlainListenerCarriesEachConnectionInOneTunnel() async throws {
        try await ProxyKit.with { kit in
            let fixture = try await kit.startFixture(listener: kit.plainListener, connections: 2)
            let deliveries = (0..<300).map { _ in SimulatorFixture.delivery() }
            let reports = try await fixture.sendAll(deliveries)
            #expect(reports.allSatisfy { $0.outcome == .delivered })
            let counters = fixture.simulator.counters()
            #expect(counters.accepted == 300)
            #expect(counters.duplicateAPNSIDs == 0)
            #expect(counters.connectionsOpened == 2)
            // Rule 7 through a proxy: the pool's two connections are two tunnels, not one per request.
            let proxy = try kit.only
            await eventually { proxy.stats().tunnelsTotal >= 2 }
            #expect(proxy.stats().tunnelsTotal == 2)
            #expect(proxy.stats().tunnelsOpen == 2)
            #expect(proxy.stats().bytesUpstream > 0 && proxy.stats().bytesDownstream > 0)
            try await fixture.stop()
        }
    }

    // MARK: TLS and credentials

    @Test func aTLSListenerWithABasicUserDelivers() async throws {
        try await ProxyKit.with { kit in
            let fixture = try await kit.startFixture(
                listener: kit.tlsListener,
                configureProxy: { configuration, _ in configuration.users = [kit.user] },
                client: { proxy in
                    var client = try APNSProxy(url: "https://gateway:s3cret@127.0.0.1:\(proxy.listenerPorts[0])")
                    client.trustRootsPEM = kit.certificates.caCertificatePEM
                    return client
                }
            )
            let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            #expect(report.outcome == .delivered)
            #expect(try kit.only.stats().tunnelsTotal == 1)
            try await fixture.stop()
        }
    }

    @Test func aWrongPasswordIs407AtProxyConnect() async throws {
        try await ProxyKit.with { kit in
            let fixture = try await kit.startFixture(
                listener: kit.tlsListener,
                configureProxy: { configuration, _ in configuration.users = [kit.user] },
                client: { proxy in
                    var client = try APNSProxy(url: "https://gateway:wrong@127.0.0.1:\(proxy.listenerPorts[0])")
                    client.trustRootsPEM = kit.certificates.caCertificatePEM
                    return client
                }
            )
            let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            #expect(report.outcome == .retryable(after: nil, stage: .proxyConnect))
            #expect(report.vendorReason?.contains("407") == true, "\(report.vendorReason ?? "")")
            expectNotAmbiguousAtAProxyStage(report)
            #expect(fixture.simulator.counters().requests == 0)
            let proxy = try kit.only
            await eventually { proxy.stats().refused(RefusalReason.authFailed.rawValue) >= 1 }
            #expect(proxy.stats().refused(RefusalReason.authFailed.rawValue) >= 1)
            #expect(proxy.stats().tunnelsTotal == 0)
            try await fixture.stop()
        }
    }

    @Test func anMTLSListenerDeliversWithTheRightClientCertificate() async throws {
        try await ProxyKit.with { kit in
            let clientCertificate = try kit.certificates.makeClientCertificate(commonName: "gateway-1", uid: nil)
            let fixture = try await kit.startFixture(
                listener: kit.mutualTLSListener,
                client: { proxy in
                    var client = try APNSProxy(url: "https://127.0.0.1:\(proxy.listenerPorts[0])")
                    client.trustRootsPEM = kit.certificates.caCertificatePEM
                    client.clientCertificateChainPEM = clientCertificate.certificatePEM
                    client.clientPrivateKeyPEM = clientCertificate.privateKeyPEM
                    return client
                }
            )
            let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            #expect(report.outcome == .delivered)
            #expect(try kit.only.stats().tunnelsTotal == 1)
            try await fixture.stop()
        }
    }

    @Test func aClientCertificateFromAnotherCAIsAProxyTLSFailure() async throws {
        try await ProxyKit.with { kit in
            let foreign = try DevelopmentCertificates.make().makeClientCertificate(commonName: "intruder", uid: nil)
            let fixture = try await kit.startFixture(
                listener: kit.mutualTLSListener,
                client: { proxy in
                    var client = try APNSProxy(url: "https://127.0.0.1:\(proxy.listenerPorts[0])")
                    client.trustRootsPEM = kit.certificates.caCertificatePEM
                    client.clientCertificateChainPEM = foreign.certificatePEM
                    client.clientPrivateKeyPEM = foreign.privateKeyPEM
                    return client
                }
            )
            let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            #expect(report.outcome == .retryable(after: nil, stage: .proxyTLS), "\(report.vendorReason ?? "")")
            expectNotAmbiguousAtAProxyStage(report)
            #expect(fixture.simulator.counters().connectionsOpened == 0)
            #expect(try kit.only.stats().tunnelsTotal == 0)
            try await fixture.stop()
        }
    }

    // MARK: Refusals

    @Test func aTargetTheProxyForbidsIs403AtProxyConnect() async throws {
        try await ProxyKit.with { kit in
            let fixture = try await kit.startFixture(
                listener: kit.plainListener,
                // Allow the simulator's host on another port only: ours is not on the list.
                configureProxy: { configuration, simulatorPort in
                    configuration.allow = ["localhost:\(simulatorPort == 1 ? 2 : 1)"]
                }
            )
            let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            #expect(report.outcome == .retryable(after: nil, stage: .proxyConnect))
            #expect(report.vendorReason?.contains("403") == true, "\(report.vendorReason ?? "")")
            expectNotAmbiguousAtAProxyStage(report)
            #expect(fixture.simulator.counters().connectionsOpened == 0)
            #expect(try kit.only.stats().refused(RefusalReason.forbiddenTarget.rawValue) == 1)
            try await fixture.stop()
        }
    }

    @Test func anUnreachableTargetIs502AtProxyConnect() async throws {
        try await ProxyKit.with { kit in
            let deadPort = try await TinyProxy.freePort()
            let fixture = try await kit.startFixture(
                listener: kit.plainListener,
                configureProxy: { configuration, _ in configuration.allow = ["localhost:\(deadPort)"] },
                adapter: { $0.endpoint?.port = deadPort }
            )
            let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
            #expect(report.outcome == .retryable(after: nil, stage: .proxyConnect))
            #expect(report.vendorReason?.contains("502") == true, "\(report.vendorReason ?? "")")
            expectNotAmbiguousAtAProxyStage(report)
            try await fixture.stop()
        }
    }

    /// A request's deadline is where a direct send turns ambiguous; a connection still stuck talking to the
    /// proxy has sent nothing to APNs, so the same deadline is retryable at the proxy stage it was stuck in.
    @Test(arguments: [APNSProxy.Scheme.http, .https])
    func aProxyThatNeverAnswersTimesOutRetryableAtItsStage(scheme: APNSProxy.Scheme) async throws {
        let blackHole = try await BlackHole.start()
        let fixture = try await SimulatorFixture.start(
            requestTimeout: .milliseconds(300),
            proxy: { _ in
                try APNSProxy(url: "\(scheme.rawValue)://127.0.0.1:\(blackHole.port)")
            })
        let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        let stage: FailureStage = scheme == .https ? .proxyTLS : .proxyConnect
        #expect(report.outcome == .retryable(after: nil, stage: stage), "\(report.vendorReason ?? "")")
        expectNotAmbiguousAtAProxyStage(report)
        try await fixture.stop()
        try await blackHole.stop()
    }

    // MARK: The proxy dies in the middle of a burst

    @Test func aProxyKilledMidBurstLosesNothingAndResendsKeepTheirAPNSID() async throws {
        try await ProxyKit.with { kit in
            let fixture = try await kit.startFixture(
                listener: kit.plainListener,
                connections: 2,
                // No grace: the tunnels are cut with requests in them, as when the proxy process dies.
                configureProxy: { configuration, _ in configuration.limits.shutdownGrace = .zero },
                // Reconnects to the proxy's port back off briefly, so the test does not wait on the defaults.
                adapter: {
                    $0.pool.reconnectBackoffInitial = .milliseconds(50)
                    $0.pool.reconnectBackoffMaximum = .milliseconds(200)
                }
            )
            let first = try kit.only
            let proxyPort = first.listenerPorts[0]

            // Every 50th push is held 2 s by the simulator (the `slow` fault), so the kill is certain to meet
            // streams in flight whatever the machine's speed.
            let burst = (0..<500).map { index in
                SimulatorFixture.delivery(token: SimulatorFixture.token(prefix: index % 50 == 25 ? "de1a0000" : ""))
            }
            let burstReports = burst.map { fixture.adapter.submit($0) }
            let flowing = await eventually(timeout: .seconds(30)) { fixture.simulator.counters().accepted >= 100 }
            try #require(flowing, "the burst never got going")
            await first.shutdown()

            // Once the adapter has seen its tunnels go, a send meets the dead proxy: not sent, at the proxy stage.
            await eventually {
                await fixture.adapter.connectionSnapshots().allSatisfy { $0.state != "ready" && $0.state != "draining" }
            }
            let whileDown = SimulatorFixture.delivery()
            let whileDownReport = await fixture.adapter.send(whileDown, logger: .init(label: "t"))
            #expect(isNotSentAtAProxyStage(whileDownReport.outcome), "\(whileDownReport.outcome)")

            // The proxy comes back on the same port; the adapter reconnects by itself and sending goes on.
            let second = try await kit.start(
                kit.configuration(
                    .init(address: "127.0.0.1:\(proxyPort)"), allowing: "localhost:\(fixture.simulator.port)"))
            let more = (0..<200).map { _ in SimulatorFixture.delivery() }
            let moreReports = more.map { fixture.adapter.submit($0) }

            let deliveries = burst + [whileDown] + more
            var reports: [DeliveryReport] = []
            for future in burstReports { reports.append(try await future.get()) }
            reports.append(whileDownReport)
            for future in moreReports { reports.append(try await future.get()) }

            // Every notification is delivered exactly once, or reported: not sent at a proxy stage, or ambiguous.
            var reported: [Int] = []
            var ambiguous = 0
            var acceptedBefore: [Int: Int] = [:]
            for (index, (delivery, report)) in zip(deliveries, reports).enumerated() {
                let accepted = fixture.simulator.acceptedCount(apnsID: delivery.id.uuidString)
                acceptedBefore[index] = accepted
                expectNotAmbiguousAtAProxyStage(report)
                switch report.outcome {
                case .delivered:
                    #expect(accepted == 1)
                case .ambiguous:
                    ambiguous += 1
                    #expect(accepted <= 1)
                    reported.append(index)
                case let outcome where isNotSentAtAProxyStage(outcome):
                    #expect(accepted == 0, "not sent, yet APNs has it")
                    reported.append(index)
                default:
                    Issue.record("unexpected \(report.outcome) \(report.vendorReason ?? "")")
                }
            }
            #expect(ambiguous >= burst.count / 50, "the held pushes were in flight when the proxy died")
            #expect(fixture.simulator.counters().duplicateAPNSIDs == 0, "nothing was sent twice by the adapter itself")
            #expect(second.stats().tunnelsTotal >= 1)

            // Resending what was reported, with the same delivery id, delivers it under the same apns-id.
            var final: [Int: DeliveryReport] = [:]
            var pending = reported
            let deadline = ContinuousClock.now + .seconds(30)
            while !pending.isEmpty, ContinuousClock.now < deadline {
                let round = pending.map { index in
                    var retry = deliveries[index]
                    retry.attempt += 1
                    return (index, fixture.adapter.submit(retry))
                }
                pending = []
                for (index, future) in round {
                    let report = try await future.get()
                    expectNotAmbiguousAtAProxyStage(report)
                    switch report.outcome {
                    case .delivered:
                        final[index] = report
                    case let outcome where isNotSentAtAProxyStage(outcome):
                        pending.append(index)  // A slot still backing off from the outage.
                    default:
                        Issue.record("resend: \(report.outcome) \(report.vendorReason ?? "")")
                    }
                }
                if !pending.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(pending.isEmpty, "\(pending.count) resends never got through")
            var expectedDuplicates = 0
            for index in reported {
                let id = deliveries[index].id.uuidString
                #expect(final[index]?.vendorMessageID?.lowercased() == id.lowercased())
                #expect(fixture.simulator.acceptedCount(apnsID: id) == (acceptedBefore[index] ?? 0) + 1)
                expectedDuplicates += acceptedBefore[index] ?? 0
            }
            // Only resends of ambiguous pushes that APNs had in fact accepted show up as duplicates.
            #expect(fixture.simulator.counters().duplicateAPNSIDs == expectedDuplicates)
            try await fixture.stop()
        }
    }

    // MARK: GOAWAY

    @Test func goAwayThroughOurTunnelBehavesAsDirect() async throws {
        try await ProxyKit.with { kit in
            // The long request timeout of the direct GOAWAY test, for the same reason: on a loaded
            // machine (the whole suite in parallel) requests queued behind the churn of
            // connections must not time out, or the test measures the machine, not GOAWAY.
            let fixture = try await kit.startFixture(
                listener: kit.plainListener,
                connections: 2,
                simulator: { $0.goAwayAfterRequests = 40 },
                adapter: { $0.timeouts.request = .seconds(120) }
            )
            let deliveries = (0..<300).map { _ in SimulatorFixture.delivery() }
            let reports = try await fixture.sendAll(deliveries)
            let counters = fixture.simulator.counters()
            #expect(counters.goAwaysSent >= 5)
            #expect(counters.duplicateAPNSIDs == 0)
            for report in reports { expectNotAmbiguousAtAProxyStage(report) }
            fixture.expectDeliveredOnceOrAmbiguous(deliveries, reports)
            // The same bound as the direct GOAWAY test in APNSAdapterTests.
            let undelivered = reports.filter { $0.outcome != .delivered }.map { "\($0.outcome)" }
            #expect(
                reports.count - undelivered.count >= 290,
                "\(Dictionary(grouping: undelivered) { $0 }.mapValues(\.count))")
            // Each replacement connection is a new tunnel, and retired ones do not linger in the proxy.
            let proxy = try kit.only
            let simulator = fixture.simulator
            await eventually { proxy.stats().tunnelsTotal == simulator.counters().connectionsOpened }
            #expect(proxy.stats().tunnelsTotal == simulator.counters().connectionsOpened)
            await eventually { proxy.stats().tunnelsOpen <= 2 }
            #expect(proxy.stats().tunnelsOpen <= 2)
            try await fixture.stop()
        }
    }
}

// MARK: - Support

/// ARCHITECTURE rule 4: before the tunnel is open no request byte has left, so a proxy stage is never ambiguous.
private func expectNotAmbiguousAtAProxyStage(
    _ report: DeliveryReport, sourceLocation: SourceLocation = #_sourceLocation
) {
    if case .ambiguous(let stage) = report.outcome {
        #expect(!stage.isProxyFailure, "ambiguous at \(stage)", sourceLocation: sourceLocation)
    }
}

/// The request failed on the way to the proxy, so it was never sent.
private func isNotSentAtAProxyStage(_ outcome: DeliveryOutcome) -> Bool {
    if case .retryable(_, let stage?) = outcome { return stage.isProxyFailure }
    return false
}

/// Polls until `condition` holds or `timeout` passes, and says which. Counters are updated on event loops, so
/// tests wait for them to settle instead of sleeping a fixed time.
@discardableResult
private func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// Our proxy's certificates on disk (listener TLS is configured by file), the proxies a test starts, and a
/// simulator fixture whose adapter goes through them.
private final class ProxyKit: Sendable {
    let certificates: DevelopmentCertificates
    let user: ProxyConfiguration.User
    private let directory: URL
    private let certificateFile: String
    private let keyFile: String
    private let caFile: String
    private let started = NIOLockedValueBox<[ConnectProxy]>([])

    private init() throws {
        self.certificates = try DevelopmentCertificates.make()
        // Few PBKDF2 rounds: the test is about the tunnel, not the cost of a hash.
        self.user = .init(
            name: "gateway", passwordHash: try PasswordHash.make(password: "s3cret", iterations: 1000).encoded)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pushgate-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.certificateFile = try Self.write(self.certificates.serverCertificatePEM, to: "server.pem", in: directory)
        self.keyFile = try Self.write(self.certificates.serverPrivateKeyPEM, to: "server-key.pem", in: directory)
        self.caFile = try Self.write(self.certificates.caCertificatePEM, to: "ca.pem", in: directory)
    }

    private static func write(_ text: String, to name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Runs `body` with a fresh kit and always stops its proxies and removes its files.
    static func with(_ body: (ProxyKit) async throws -> Void) async throws {
        let kit = try ProxyKit()
        do {
            try await body(kit)
        } catch {
            await kit.stop()
            throw error
        }
        await kit.stop()
    }

    var plainListener: ProxyConfiguration.Listener { .init(address: "127.0.0.1:0") }

    var tlsListener: ProxyConfiguration.Listener {
        .init(address: "127.0.0.1:0", tls: .init(certificateFile: self.certificateFile, privateKeyFile: self.keyFile))
    }

    var mutualTLSListener: ProxyConfiguration.Listener {
        .init(
            address: "127.0.0.1:0",
            tls: .init(certificateFile: self.certificateFile, privateKeyFile: self.keyFile, clientCAFile: self.caFile)
        )
    }

    /// One listener, one allowed target, one event loop, a short grace so clean-up never waits long.
    func configuration(_ listener: ProxyConfiguration.Listener, allowing target: String) -> ProxyConfiguration {
        var configuration = ProxyConfiguration(listeners: [listener])
        configuration.allow = [target]
        configuration.eventLoopThreads = 1
        configuration.limits.shutdownGrace = .seconds(1)
        return configuration
    }

    func start(_ configuration: ProxyConfiguration) async throws -> ConnectProxy {
        var logger = Logger(label: "test.proxy")
        logger.logLevel = .warning
        let proxy = try await ConnectProxy.start(configuration: configuration, logger: logger)
        self.started.withLockedValue { $0.append(proxy) }
        return proxy
    }

    /// The one proxy the test started.
    var only: ConnectProxy {
        get throws {
            let proxies = self.started.withLockedValue { $0 }
            return try #require(proxies.count == 1 ? proxies.first : nil)
        }
    }

    /// A simulator and an adapter whose connections go through a proxy that allows `localhost:<simulator port>`
    /// (then `configureProxy`); `client` makes the adapter's proxy settings (plain `http://` by default).
    func startFixture(
        listener: ProxyConfiguration.Listener,
        connections: Int = 1,
        configureProxy: @escaping (inout ProxyConfiguration, _ simulatorPort: Int) -> Void = { _, _ in },
        simulator: (inout APNSSimulator.Configuration) -> Void = { _ in },
        adapter: (inout APNSConfiguration) -> Void = { _ in },
        client: @escaping (ConnectProxy) throws -> APNSProxy = {
            try APNSProxy(url: "http://127.0.0.1:\($0.listenerPorts[0])")
        }
    ) async throws -> SimulatorFixture {
        try await SimulatorFixture.start(connections: connections, simulator: simulator, adapter: adapter) { port in
            var configuration = self.configuration(listener, allowing: "localhost:\(port)")
            configureProxy(&configuration, port)
            return try client(try await self.start(configuration))
        }
    }

    func stop() async {
        for proxy in self.started.withLockedValue({ $0 }) {
            await proxy.shutdown()
        }
        try? FileManager.default.removeItem(at: self.directory)
    }
}

/// A TCP server that accepts connections and never says anything: a proxy hung before its answer.
private struct BlackHole: Sendable {
    let channel: any Channel
    var port: Int { self.channel.localAddress?.port ?? 0 }

    static func start() async throws -> BlackHole {
        // Nothing in the pipeline: what the client sends is read and dropped.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        return BlackHole(channel: channel)
    }

    func stop() async throws {
        try await self.channel.close()
    }
}
