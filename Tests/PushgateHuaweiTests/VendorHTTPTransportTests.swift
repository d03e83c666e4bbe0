import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PushgateCore
import PushgateHTTPVendor
import PushgateHuawei
import PushgateSimulator
import PushgateTestSupport
import Testing

/// The transport every HTTP vendor adapter shares, over real TLS against the Huawei simulator (an
/// HTTP/1.1 vendor server like the others) and through tinyproxy, a third-party CONNECT proxy.
@Suite("the HTTP vendors' transport")
struct VendorHTTPTransportTests {
    static func transport(
        _ fixture: HuaweiFixture, _ change: (inout VendorHTTPTransport.Configuration) -> Void = { _ in }
    ) throws -> VendorHTTPTransport {
        var configuration = fixture.configuration().transport
        change(&configuration)
        return try VendorHTTPTransport(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    static func counters(_ fixture: HuaweiFixture) -> VendorHTTPRequest {
        VendorHTTPRequest(method: .GET, url: fixture.endpoint + "/_sim/counters")
    }

    /// The status of an answer, or the stage of a failure.
    static func outcome(_ result: VendorHTTPResult) -> String {
        switch result {
        case .answered(let response): "\(response.status.code)"
        case .failed(let stage, _): "\(stage)"
        }
    }

    @Test("200 requests from 20 senders share the pool's 2 kept-alive connections")
    func keepAlive() async throws {
        try await HuaweiFixture.with { fixture in
            let transport = try Self.transport(fixture) { $0.connections = 2 }
            let outcomes = await withTaskGroup(of: [String].self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        var outcomes: [String] = []
                        for _ in 0..<10 {
                            let result = await transport.send(Self.counters(fixture), logger: HuaweiFixture.logger)
                            outcomes.append(Self.outcome(result))
                        }
                        return outcomes
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            await transport.shutdown()
            #expect(outcomes == Array(repeating: "200", count: 200))
            #expect(transport.connectionsOpened == 2)
        }
    }

    @Test("the request and its body arrive whole: a form with + / = in a value gets a token")
    func formBody() async throws {
        try await HuaweiFixture.with { fixture in
            let transport = try Self.transport(fixture)
            let request = VendorHTTPRequest.form(
                url: fixture.endpoint + "/oauth2/v3/token",
                fields: [
                    ("grant_type", "client_credentials"), ("client_id", HuaweiFixture.appID),
                    ("client_secret", HuaweiFixture.secret),
                ])
            let result = await transport.send(request, logger: HuaweiFixture.logger)
            await transport.shutdown()
            guard case .answered(let response) = result else {
                Issue.record("no answer: \(Self.outcome(result))")
                return
            }
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains("access_token"))
        }
    }

    @Test("nothing listening: the failure is at connect, and the vendor cannot have the request")
    func refused() async throws {
        let port = try await freeLoopbackPort()
        let transport = try VendorHTTPTransport(
            configuration: .init(), eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        let result = await transport.send(
            VendorHTTPRequest(method: .GET, url: "https://127.0.0.1:\(port)/"), logger: HuaweiFixture.logger)
        await transport.shutdown()
        #expect(Self.outcome(result) == "connect")
        #expect(!FailureStage.connect.vendorMayHaveReceived)
    }

    @Test("a host name is resolved, sent as SNI and checked against the certificate")
    func hostName() async throws {
        try await HuaweiFixture.with { fixture in
            // The simulator's certificate names localhost (and 127.0.0.1); where localhost also
            // resolves to ::1, on which nothing listens, this is a Happy Eyeballs race too.
            let transport = try Self.transport(fixture)
            let request = VendorHTTPRequest(
                method: .GET, url: "https://localhost:\(fixture.simulator.port)/_sim/counters")
            let outcomes = [
                Self.outcome(await transport.send(request, logger: HuaweiFixture.logger)),
                Self.outcome(await transport.send(request, logger: HuaweiFixture.logger)),
            ]
            await transport.shutdown()
            #expect(outcomes == ["200", "200"])
            #expect(transport.connectionsOpened == 1)
        }
    }

    @Test("a sender waiting for the only connection is turned away at shutdown, never sent")
    func waitingSenderAtShutdown() async throws {
        try await HuaweiFixture.with { fixture in
            var configuration = fixture.configuration()
            configuration.transport.connections = 1
            configuration.transport.requestTimeout = .seconds(3)
            let adapter = try HuaweiAdapter(
                configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: HuaweiFixture.logger)
            // Authorised and connected first, so the one connection is all there is.
            _ = await adapter.send(HuaweiFixture.batch(["GOOD-warm"]), logger: HuaweiFixture.logger)
            async let hanging = adapter.send(HuaweiFixture.batch(["HANG-1"]), logger: HuaweiFixture.logger)
            try await Task.sleep(for: .milliseconds(300))
            async let waiting = adapter.send(HuaweiFixture.batch(["GOOD-2"]), logger: HuaweiFixture.logger)
            try await Task.sleep(for: .milliseconds(300))
            await adapter.shutdown()
            #expect(await waiting.map(\.outcome) == [.retryable(after: nil, stage: .queued)])
            #expect(await hanging.map(\.outcome) == [.ambiguous(stage: .awaitingResponse)])
            #expect(fixture.simulator.counters().requests == 2, "the warm-up and the hanging one; GOOD-2 never left")
        }
    }

    @Test("a header value with a line break is refused before anything is sent")
    func headerInjection() async throws {
        try await HuaweiFixture.with { fixture in
            let transport = try Self.transport(fixture)
            var request = Self.counters(fixture)
            request.headers.add(name: "Authorization", value: "Bearer x\r\nX-Injected: 1")
            let result = await transport.send(request, logger: HuaweiFixture.logger)
            await transport.shutdown()
            #expect(Self.outcome(result) == "connect")
            #expect(transport.connectionsOpened == 0)
            #expect(fixture.simulator.counters().requests == 0)
        }
    }

    @Test("a vendor certificate nobody we trust signed fails at upstreamTLS")
    func untrustedCertificate() async throws {
        try await HuaweiFixture.with { fixture in
            let transport = try Self.transport(fixture) { $0.additionalTrustRootsPEM = nil }
            let result = await transport.send(Self.counters(fixture), logger: HuaweiFixture.logger)
            await transport.shutdown()
            #expect(Self.outcome(result) == "upstreamTLS")
        }
    }

    @Test("a large answer is cut at the configured limit")
    func answerLimit() async throws {
        try await HuaweiFixture.with { fixture in
            let transport = try Self.transport(fixture) { $0.maxResponseBytes = 10 }
            let result = await transport.send(Self.counters(fixture), logger: HuaweiFixture.logger)
            // The connection stays usable: the rest of the answer was read, not left in the pipe.
            let again = await transport.send(Self.counters(fixture), logger: HuaweiFixture.logger)
            await transport.shutdown()
            guard case .answered(let response) = result else {
                Issue.record("no answer: \(Self.outcome(result))")
                return
            }
            #expect(response.body.readableBytes == 10)
            #expect(Self.outcome(again) == "200")
            #expect(transport.connectionsOpened == 1)
        }
    }

    @Test(
        "through tinyproxy: requests reach the vendor; refused credentials fail at proxyConnect, a dead proxy at proxyTCP",
        .enabled(if: TinyProxy.isInstalled, "tinyproxy is installed by scripts/test.sh"))
    func throughTinyproxy() async throws {
        try await HuaweiFixture.with { fixture in
            let tinyproxy = try await TinyProxy(allowedPort: fixture.simulator.port, basicAuth: ("gw", "pw"))
            defer { tinyproxy.stop() }
            let through = try Self.transport(fixture) {
                $0.proxy = .init(host: "127.0.0.1", port: tinyproxy.port, username: "gw", password: "pw")
            }
            var outcomes: [String] = []
            for _ in 0..<5 {
                outcomes.append(Self.outcome(await through.send(Self.counters(fixture), logger: HuaweiFixture.logger)))
            }
            await through.shutdown()
            #expect(outcomes == Array(repeating: "200", count: 5))
            #expect(through.connectionsOpened == 1, "one tunnel, kept alive")

            let refused = try Self.transport(fixture) {
                $0.proxy = .init(host: "127.0.0.1", port: tinyproxy.port, username: "gw", password: "wrong")
            }
            let refusal = await refused.send(Self.counters(fixture), logger: HuaweiFixture.logger)
            await refused.shutdown()
            guard case .failed(let stage, let detail) = refusal else {
                Issue.record("answered through a proxy that refused the credentials")
                return
            }
            #expect(stage == .proxyConnect, "\(detail)")

            let deadPort = try await freeLoopbackPort()
            let dead = try Self.transport(fixture) { $0.proxy = .init(host: "127.0.0.1", port: deadPort) }
            #expect(Self.outcome(await dead.send(Self.counters(fixture), logger: HuaweiFixture.logger)) == "proxyTCP")
            await dead.shutdown()
        }
    }
}
