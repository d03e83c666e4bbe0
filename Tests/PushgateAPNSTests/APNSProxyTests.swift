import Foundation
import NIOConcurrencyHelpers
import PushgateCore
import PushgateSimulator
import PushgateTestSupport
import Testing

@testable import PushgateAPNS

/// The adapter through a CONNECT proxy over real sockets, with tinyproxy (Debian's package)
/// as the standard third-party proxy, and the failure stages a proxy can cause.
@Suite(.enabled(if: TinyProxy.isInstalled, "tinyproxy is installed by scripts/test.sh"))
struct APNSProxyTests {
    /// Keeps the tinyproxy a fixture started so the test can stop it.
    final class ProxyBox: Sendable {
        let box = NIOLockedValueBox<TinyProxy?>(nil)
        func stop() { self.box.withLockedValue { $0?.stop() } }
    }

    @Test func deliversThroughTinyproxyAsDirect() async throws {
        let proxies = ProxyBox()
        let fixture = try await SimulatorFixture.start(
            connections: 2,
            proxy: { port in
                let tinyproxy = try await TinyProxy(allowedPort: port)
                proxies.box.withLockedValue { $0 = tinyproxy }
                return try APNSProxy(url: "http://127.0.0.1:\(tinyproxy.port)")
            })
        let deliveries = (0..<300).map { _ in SimulatorFixture.delivery() }
        let reports = try await fixture.sendAll(deliveries)
        #expect(reports.allSatisfy { $0.outcome == .delivered })
        let counters = fixture.simulator.counters()
        #expect(counters.accepted == 300)
        #expect(counters.duplicateAPNSIDs == 0)
        #expect(counters.connectionsOpened == 2, "one tunnel per HTTP/2 connection")
        try await fixture.stop()
        proxies.stop()
    }

    @Test func proxyCredentialsAreSent() async throws {
        let proxies = ProxyBox()
        let fixture = try await SimulatorFixture.start(proxy: { port in
            let tinyproxy = try await TinyProxy(allowedPort: port, basicAuth: ("gateway", "s3cret"))
            proxies.box.withLockedValue { $0 = tinyproxy }
            return try APNSProxy(url: "http://gateway:s3cret@127.0.0.1:\(tinyproxy.port)")
        })
        #expect(
            await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t")).outcome == .delivered)
        try await fixture.stop()
        proxies.stop()
    }

    @Test func wrongProxyCredentialsAreAProxyConnectFailure() async throws {
        let proxies = ProxyBox()
        let fixture = try await SimulatorFixture.start(proxy: { port in
            let tinyproxy = try await TinyProxy(allowedPort: port, basicAuth: ("gateway", "s3cret"))
            proxies.box.withLockedValue { $0 = tinyproxy }
            return try APNSProxy(url: "http://gateway:wrong@127.0.0.1:\(tinyproxy.port)")
        })
        let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(report.outcome == .retryable(after: nil, stage: .proxyConnect))
        // tinyproxy answers a failed CONNECT login with 401 (our proxy uses 407); the status is reported as given.
        #expect(report.vendorReason?.contains("401") == true)
        #expect(fixture.simulator.counters().requests == 0)
        try await fixture.stop()
        proxies.stop()
    }

    @Test func aForbiddenTargetIsAProxyConnectFailure() async throws {
        let proxies = ProxyBox()
        let fixture = try await SimulatorFixture.start(proxy: { port in
            // tinyproxy allows CONNECT to another port only: ours gets 403.
            let tinyproxy = try await TinyProxy(allowedPort: port == 1 ? 2 : 1)
            proxies.box.withLockedValue { $0 = tinyproxy }
            return try APNSProxy(url: "http://127.0.0.1:\(tinyproxy.port)")
        })
        let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(report.outcome == .retryable(after: nil, stage: .proxyConnect))
        #expect(report.vendorReason?.contains("403") == true)
        try await fixture.stop()
        proxies.stop()
    }

    @Test func aProxyThatIsDownIsAProxyTCPFailure() async throws {
        let fixture = try await SimulatorFixture.start(proxy: { _ in
            try APNSProxy(url: "http://127.0.0.1:\(try await TinyProxy.freePort())")
        })
        let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(report.outcome == .retryable(after: nil, stage: .proxyTCP))
        #expect(FailureStage.proxyTCP.isProxyFailure)
        try await fixture.stop()
    }

    @Test func aTLSProxyThatDoesNotSpeakTLSIsAProxyTLSFailure() async throws {
        let proxies = ProxyBox()
        let fixture = try await SimulatorFixture.start(proxy: { port in
            let tinyproxy = try await TinyProxy(allowedPort: port)
            proxies.box.withLockedValue { $0 = tinyproxy }
            return try APNSProxy(url: "https://127.0.0.1:\(tinyproxy.port)")  // tinyproxy speaks plain HTTP.
        })
        let report = await fixture.adapter.send(SimulatorFixture.delivery(), logger: .init(label: "t"))
        #expect(report.outcome == .retryable(after: nil, stage: .proxyTLS))
        try await fixture.stop()
        proxies.stop()
    }

    @Test func goAwayThroughTheTunnelBehavesAsDirect() async throws {
        let proxies = ProxyBox()
        // Each GOAWAY costs a new TCP + CONNECT + TLS set-up through tinyproxy; on a loaded
        // 2-core CI box the default 10 s deadline expired for queued requests, and this test is
        // about accounting, not speed.
        let fixture = try await SimulatorFixture.start(
            connections: 2, requestTimeout: .seconds(60), simulator: { $0.goAwayAfterRequests = 40 },
            proxy: { port in
                let tinyproxy = try await TinyProxy(allowedPort: port)
                proxies.box.withLockedValue { $0 = tinyproxy }
                return try APNSProxy(url: "http://127.0.0.1:\(tinyproxy.port)")
            })
        let deliveries = (0..<300).map { _ in SimulatorFixture.delivery() }
        let reports = try await fixture.sendAll(deliveries)
        let counters = fixture.simulator.counters()
        #expect(counters.goAwaysSent >= 5)
        #expect(counters.duplicateAPNSIDs == 0)
        fixture.expectDeliveredOnceOrAmbiguous(deliveries, reports)
        try await fixture.stop()
        proxies.stop()
    }

    @Test func proxyURLsParseAndHideThePassword() throws {
        let proxy = try APNSProxy(url: "https://gw%40ops:p%3Ass@proxy.example.com:8443")
        #expect(proxy.scheme == .https)
        #expect(proxy.host == "proxy.example.com")
        #expect(proxy.port == 8443)
        #expect(proxy.username == "gw@ops")
        #expect(proxy.authorizationHeader == "Basic " + Data("gw@ops:p:ss".utf8).base64EncodedString())
        #expect("\(proxy)" == "https://gw@ops:***@proxy.example.com:8443")
        #expect(try APNSProxy(url: "http://proxy").port == 3128)
        for bad in ["socks5://p:1", "http://", "http://p:1/path", "p:1"] {
            #expect(throws: (any Error).self) { try APNSProxy(url: bad) }
        }
    }
}
