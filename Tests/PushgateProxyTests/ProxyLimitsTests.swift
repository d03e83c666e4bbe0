import Foundation
import NIOCore
import Testing

@testable import PushgateProxy

/// Limits, timeouts, splicing and shutdown against a real proxy, with raw TCP clients.
@Suite("Proxy limits and lifecycle")
struct ProxyLimitsTests {
    static func connectHead(_ target: String) -> String {
        "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n"
    }

    @Test("max_tunnels 2: two tunnels held open, the third gets 503, a freed slot is reused")
    func tunnelLimit() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.limits.maxTunnels = 2
            let proxy = try await fixture.start(configuration)
            let port = proxy.listenerPorts[0]

            var held: [RawClient] = []
            for _ in 0..<2 {
                let client = try await RawClient.connect(port: port, group: fixture.group)
                try await client.send(Self.connectHead(fixture.target))
                #expect(await client.responseHead() == "HTTP/1.1 200 Connection Established\r\n\r\n")
                held.append(client)
            }
            let third = try await RawClient.connect(port: port, group: fixture.group)
            try await third.send(Self.connectHead(fixture.target))
            #expect(await third.responseHead()?.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n") == true)
            #expect(await third.wait { $0.endOfInput })
            #expect(proxy.stats().refused("tunnel_limit") == 1)
            #expect(proxy.stats().tunnelsOpen == 2)

            await held[0].close()
            #expect(await fixture.eventually(proxy) { $0.tunnelsOpen == 1 })
            let fourth = try await RawClient.connect(port: port, group: fixture.group)
            try await fourth.send(Self.connectHead(fixture.target))
            #expect(await fourth.responseHead() == "HTTP/1.1 200 Connection Established\r\n\r\n")
            await fourth.close()
            await held[1].close()
            await third.close()
        }
    }

    @Test("header_timeout: a client that sends half a head and stalls is cut off")
    func headerTimeout() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.limits.headerTimeout = .milliseconds(300)
            let proxy = try await fixture.start(configuration)
            // The timer runs from accept, so measure from before the connect.
            let start = ContinuousClock.now
            let client = try await RawClient.connect(port: proxy.listenerPorts[0], group: fixture.group)
            try await client.send("CONNECT \(fixture.target) HTTP/1.1\r\nHost: loc")
            #expect(await client.wait(for: .seconds(5)) { $0.closed || $0.endOfInput })
            let elapsed = ContinuousClock.now - start
            // The upper bound only guards against "never"; loaded CI machines stretch timers.
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(10), "cut off after \(elapsed)")
            #expect(client.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
            #expect(proxy.stats().refused("header_timeout") == 1)
            await client.close()
        }
    }

    @Test("A head over max_header_bytes is refused with 431 and the client still reads the answer")
    func headerTooLarge() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.limits.maxHeaderBytes = 1024
            let proxy = try await fixture.start(configuration)
            let client = try await RawClient.connect(port: proxy.listenerPorts[0], group: fixture.group)
            try await client.send(
                "CONNECT \(fixture.target) HTTP/1.1\r\n"
                    + String(repeating: "X-Padding: 0123456789abcdef\r\n", count: 200)
            )
            #expect(await client.responseHead()?.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n") == true)
            #expect(await client.wait { $0.endOfInput })
            #expect(proxy.stats().refused("header_too_large") == 1)
            await client.close()
        }
    }

    @Test("4 MiB each way through a tunnel, byte for byte, with half-close passed on both ways")
    func largeTransferAndHalfClose() async throws {
        try await EndToEndFixture.with { fixture in
            let echo = try await EchoServer.start(group: fixture.group)
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.allow = ["localhost:\(echo.port)"]
            let proxy = try await fixture.start(configuration)

            let client = try await RawClient.connect(port: proxy.listenerPorts[0], group: fixture.group)
            try await client.send(Self.connectHead("localhost:\(echo.port)"))
            let head = "HTTP/1.1 200 Connection Established\r\n\r\n"
            #expect(await client.responseHead() == head)

            var generator = SystemRandomNumberGenerator()
            let payload = (0..<(4 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try await client.send(payload)
            try await client.shutdownOutput()
            // The echo server sees our FIN only through the proxy; its FIN comes back the same way.
            #expect(await client.wait(for: .seconds(30)) { $0.endOfInput })
            let received = client.received.bytes
            #expect(received.count == head.utf8.count + payload.count)
            #expect(Array(received.dropFirst(head.utf8.count)) == payload)
            #expect(await fixture.eventually(proxy) { $0.tunnelsOpen == 0 })
            let stats = proxy.stats()
            #expect(stats.bytesUpstream == payload.count)
            #expect(stats.bytesDownstream == payload.count)
            await client.close()
            await echo.stop()
        }
    }

    @Test("Graceful shutdown: no new connections, an idle tunnel is closed after the grace period")
    func gracefulShutdownClosesAfterGrace() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.limits.shutdownGrace = .seconds(3)
            let proxy = try await fixture.start(configuration)
            let port = proxy.listenerPorts[0]
            let tunnel = try await RawClient.connect(port: port, group: fixture.group)
            try await tunnel.send(Self.connectHead(fixture.target))
            #expect(await tunnel.responseHead() == "HTTP/1.1 200 Connection Established\r\n\r\n")
            let pending = try await RawClient.connect(port: port, group: fixture.group)
            try await pending.send("CONNECT \(fixture.target)")

            let start = ContinuousClock.now
            async let stopped: Void = proxy.shutdown()
            // Connections that are not tunnels yet are closed at once; the tunnel lives through the grace.
            #expect(await pending.wait(for: .seconds(10)) { $0.closed || $0.endOfInput })
            if ContinuousClock.now - start < .milliseconds(2500) {
                #expect(!tunnel.received.endOfInput, "the tunnel must outlive the start of the drain")
            }
            await stopped
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(2900) && elapsed < .seconds(15), "shutdown took \(elapsed)")
            #expect(await tunnel.wait(for: .seconds(5)) { $0.endOfInput })
            #expect(proxy.stats().tunnelsOpen == 0)
            #expect(fixture.logs.entries.contains { $0.message == "tunnel closed" })
            await tunnel.close()
            await pending.close()
        }
    }

    @Test("Graceful shutdown ends early when the last tunnel closes within the grace period")
    func gracefulShutdownEndsEarly() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.limits.shutdownGrace = .seconds(20)
            let proxy = try await fixture.start(configuration)
            let tunnel = try await RawClient.connect(port: proxy.listenerPorts[0], group: fixture.group)
            try await tunnel.send(Self.connectHead(fixture.target))
            #expect(await tunnel.responseHead() == "HTTP/1.1 200 Connection Established\r\n\r\n")

            let start = ContinuousClock.now
            async let stopped: Void = proxy.shutdown()
            try await Task.sleep(for: .milliseconds(200))
            await tunnel.close()
            await stopped
            #expect(ContinuousClock.now - start < .seconds(15), "before the 20 s grace")
            // A second call returns at once.
            await proxy.shutdown()
        }
    }

    @Test("Upstream failures: nothing listening is 502")
    func upstreamRefused() async throws {
        try await EndToEndFixture.with { fixture in
            let echo = try await EchoServer.start(group: fixture.group)
            let closedPort = echo.port
            await echo.stop()
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.allow = ["localhost:\(closedPort)"]
            let proxy = try await fixture.start(configuration)
            let client = try await RawClient.connect(port: proxy.listenerPorts[0], group: fixture.group)
            try await client.send(Self.connectHead("localhost:\(closedPort)"))
            #expect(await client.responseHead()?.hasPrefix("HTTP/1.1 502 Bad Gateway\r\n") == true)
            #expect(proxy.stats().refused("upstream_connect_failed") == 1)
            await client.close()
        }
    }

    @Test("TLS listener: plain HTTP is a TLS failure; a silent client is cut off by header_timeout")
    func tlsListenerMisuse() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.tlsListener])
            // Long enough that a loaded machine still fails the plain-HTTP handshake first
            // (tls_failed), short enough for the silent client below.
            configuration.limits.headerTimeout = .seconds(5)
            let proxy = try await fixture.start(configuration)
            let port = proxy.listenerPorts[0]

            let plain = try await RawClient.connect(port: port, group: fixture.group)
            try await plain.send(Self.connectHead(fixture.target))
            #expect(await plain.wait { $0.closed || $0.endOfInput })
            #expect(!plain.text.contains("HTTP/1.1"))
            #expect(await fixture.eventually(proxy) { $0.refused("tls_failed") == 1 })

            let silent = try await RawClient.connect(port: port, group: fixture.group)
            #expect(await silent.wait(for: .seconds(30)) { $0.closed || $0.endOfInput })
            #expect(silent.received.bytes.isEmpty)
            #expect(await fixture.eventually(proxy) { $0.refused("header_timeout") == 1 })
            await plain.close()
            await silent.close()
        }
    }

    @Test("Binding a port in use fails with the listener's path")
    func bindFailure() async throws {
        try await EndToEndFixture.with { fixture in
            let first = try await fixture.start(fixture.configuration([fixture.plainListener]))
            var configuration = fixture.configuration([.init(address: "127.0.0.1:\(first.listenerPorts[0])")])
            configuration.admin = nil
            do {
                _ = try await fixture.start(configuration)
                Issue.record("expected a bind failure")
            } catch let error as ProxyConfigurationError {
                #expect(error.problems.first?.path == "listeners[0].address")
            }
        }
    }
}
