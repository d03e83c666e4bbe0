import NIOCore
import NIOEmbedded
import Testing

@testable import PushgateProxy

@Suite("Connect handler on EmbeddedChannel")
struct ConnectHandlerTests {
    static let connect = "CONNECT localhost:2197 HTTP/1.1\r\nHost: localhost:2197\r\n\r\n"

    @Test("A tunnel: 200, early bytes forwarded, bytes both ways, handler gone, access log on close")
    func tunnel() throws {
        let harness = HandlerHarness()
        let (client, _) = try harness.client()
        try HandlerHarness.send(client, Self.connect + "EARLY")
        #expect(try HandlerHarness.written(client) == "HTTP/1.1 200 Connection Established\r\n\r\n")
        #expect(harness.connector.targets == [HandlerHarness.target])
        let upstream = try #require(harness.connector.channels.first)
        #expect(try HandlerHarness.written(upstream) == "EARLY")
        #expect(throws: (any Error).self) { try client.pipeline.syncOperations.handler(type: ConnectHandler.self) }

        try HandlerHarness.send(client, "ping")
        #expect(try HandlerHarness.written(upstream) == "ping")
        try HandlerHarness.send(upstream, "pong!")
        #expect(try HandlerHarness.written(client) == "pong!")
        var stats = harness.server.metrics.snapshot()
        #expect(stats.tunnelsOpen == 1 && stats.tunnelsTotal == 1)
        #expect(stats.bytesUpstream == 9 && stats.bytesDownstream == 5)

        // The target closes: the client side follows, the slot is freed, one access-log line is written.
        try upstream.close().wait()
        #expect(!client.isActive)
        stats = harness.server.metrics.snapshot()
        #expect(stats.tunnelsOpen == 0)
        #expect(harness.server.admittedTunnels == 0)
        let line = try #require(harness.logs.entries.first { $0.message == "tunnel closed" })
        #expect(line.metadata["proxy.client"] == "192.0.2.10:40000")
        #expect(line.metadata["proxy.target"] == "localhost:2197")
        #expect(line.metadata["proxy.result"] == "200")
        #expect(line.metadata["proxy.bytes_up"] == "9")
        #expect(line.metadata["proxy.bytes_down"] == "5")
        #expect(line.metadata["proxy.duration_ms"] != nil)
        #expect(!harness.logs.allText.contains("EARLY") && !harness.logs.allText.contains("pong"))
    }

    @Test("HTTP/1.0 CONNECT works; the answer is HTTP/1.1 200")
    func http10() throws {
        let harness = HandlerHarness()
        let (client, _) = try harness.client()
        try HandlerHarness.send(client, "CONNECT localhost.:2197 HTTP/1.0\r\n\r\n")
        #expect(try HandlerHarness.written(client) == "HTTP/1.1 200 Connection Established\r\n\r\n")
        #expect(harness.connector.targets == [HandlerHarness.target])
        try harness.connector.channels.first?.close().wait()
    }

    @Test("A GET with an absolute URI gets 403 and the connection closes")
    func absoluteGet() throws {
        let harness = HandlerHarness()
        let (client, _) = try harness.client()
        try HandlerHarness.send(client, "GET http://localhost:2197/ HTTP/1.1\r\nHost: localhost:2197\r\n\r\n")
        let response = try HandlerHarness.written(client)
        #expect(response.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(response.contains("Connection: close"))
        #expect(!client.isActive)
        #expect(harness.connector.targets.isEmpty)
        #expect(harness.server.metrics.snapshot().refused("method_not_allowed") == 1)
        let line = try #require(harness.logs.entries.first { $0.message == "connect refused" })
        #expect(line.metadata["proxy.result"] == "403")
        #expect(line.metadata["proxy.reason"] == "method_not_allowed")
    }

    @Test("A stalled head is cut off after header_timeout with 408")
    func headerTimeout() throws {
        let harness = HandlerHarness { $0.headerTimeout = .seconds(3) }
        let (client, _) = try harness.client()
        try HandlerHarness.send(client, "CONNECT localhost:2197 HTTP/1.1\r\nHost: loc")
        harness.loop.advanceTime(by: .milliseconds(2900))
        #expect(client.isActive)
        #expect(try HandlerHarness.written(client).isEmpty)
        harness.loop.advanceTime(by: .milliseconds(200))
        #expect(try HandlerHarness.written(client).hasPrefix("HTTP/1.1 408 "))
        #expect(!client.isActive)
        #expect(harness.server.metrics.snapshot().refused("header_timeout") == 1)
    }

    @Test("A silent client is cut off too, and a finished head stops the timer")
    func silentClient() throws {
        let harness = HandlerHarness { $0.headerTimeout = .seconds(1) }
        let (silent, _) = try harness.client()
        let (prompt, _) = try harness.client(port: 40001)
        try HandlerHarness.send(prompt, Self.connect)
        harness.loop.advanceTime(by: .seconds(2))
        #expect(!silent.isActive)
        #expect(prompt.isActive)
        #expect(harness.server.metrics.snapshot().refused("header_timeout") == 1)
    }

    @Test("A head over max_header_bytes gets 431")
    func headerTooLarge() throws {
        let harness = HandlerHarness { $0.maxHeaderBytes = 512 }
        let (client, _) = try harness.client()
        try HandlerHarness.send(
            client, "CONNECT localhost:2197 HTTP/1.1\r\nX-Padding: " + String(repeating: "p", count: 600))
        #expect(try HandlerHarness.written(client).hasPrefix("HTTP/1.1 431 "))
        #expect(harness.server.metrics.snapshot().refused("header_too_large") == 1)
    }

    @Test("Credentials: missing and wrong get 407 with a challenge; good ones get a tunnel; none are logged")
    func credentials() throws {
        let hash = try PasswordHash.make(password: "s3cret-pass", iterations: 1000)
        let harness = HandlerHarness(users: ["gateway": hash])
        let (missing, _) = try harness.client()
        try HandlerHarness.send(missing, Self.connect)
        let challenge = try HandlerHarness.written(missing)
        #expect(challenge.hasPrefix("HTTP/1.1 407 Proxy Authentication Required\r\n"))
        #expect(challenge.contains("Proxy-Authenticate: Basic realm=\"pushgate-proxy\""))

        // gateway:wrong-pass, then gateway:s3cret-pass
        let (wrong, _) = try harness.client(port: 40001)
        try HandlerHarness.send(
            wrong, "CONNECT localhost:2197 HTTP/1.1\r\nProxy-Authorization: Basic Z2F0ZXdheTp3cm9uZy1wYXNz\r\n\r\n")
        #expect(try HandlerHarness.written(wrong).hasPrefix("HTTP/1.1 407 "))
        let (good, _) = try harness.client(port: 40002)
        try HandlerHarness.send(
            good, "CONNECT localhost:2197 HTTP/1.1\r\nProxy-Authorization: Basic Z2F0ZXdheTpzM2NyZXQtcGFzcw==\r\n\r\n")
        #expect(try HandlerHarness.written(good) == "HTTP/1.1 200 Connection Established\r\n\r\n")

        let stats = harness.server.metrics.snapshot()
        #expect(stats.refused("auth_required") == 1)
        #expect(stats.refused("auth_failed") == 1)
        #expect(stats.tunnelsOpen == 1)
        let text = harness.logs.allText
        #expect(text.contains("proxy.user=gateway"))
        for secret in ["s3cret-pass", "wrong-pass", "Z2F0ZXdheTp", "Basic "] {
            #expect(!text.contains(secret), "log contains \(secret)")
        }
        try harness.connector.channels.first?.close().wait()
    }

    @Test("Upstream connect timeout is 504, other connect failures 502; the slot is given back")
    func upstreamFailures() throws {
        let harness = HandlerHarness()
        harness.connector.behaviour = .fail(ChannelError.connectTimeout(.seconds(10)))
        let (slow, _) = try harness.client()
        try HandlerHarness.send(slow, Self.connect)
        #expect(try HandlerHarness.written(slow).hasPrefix("HTTP/1.1 504 Gateway Timeout\r\n"))

        harness.connector.behaviour = .fail(ChannelError.connectPending)
        let (failing, _) = try harness.client(port: 40001)
        try HandlerHarness.send(failing, Self.connect)
        #expect(try HandlerHarness.written(failing).hasPrefix("HTTP/1.1 502 Bad Gateway\r\n"))

        let stats = harness.server.metrics.snapshot()
        #expect(stats.refused("upstream_timeout") == 1)
        #expect(stats.refused("upstream_connect_failed") == 1)
        #expect(harness.server.admittedTunnels == 0)
    }

    @Test("max_tunnels and max_tunnels_per_client answer 503")
    func limits() throws {
        let harness = HandlerHarness {
            $0.maxTunnels = 3
            $0.maxTunnelsPerClient = 2
        }
        var responses: [String] = []
        for (ip, port) in [("192.0.2.1", 1), ("192.0.2.1", 2), ("192.0.2.1", 3), ("192.0.2.2", 4), ("192.0.2.3", 5)] {
            let (client, _) = try harness.client(ip: ip, port: port)
            try HandlerHarness.send(client, Self.connect)
            responses.append(String(try HandlerHarness.written(client).prefix(12)))
        }
        #expect(responses == ["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 503", "HTTP/1.1 200", "HTTP/1.1 503"])
        let stats = harness.server.metrics.snapshot()
        #expect(stats.refused("client_limit") == 1)
        #expect(stats.refused("tunnel_limit") == 1)
        #expect(harness.server.admittedTunnels == 3)

        // A closed tunnel frees its slot.
        try harness.connector.channels[0].close().wait()
        let (again, _) = try harness.client(ip: "192.0.2.3", port: 6)
        try HandlerHarness.send(again, Self.connect)
        #expect(try HandlerHarness.written(again).hasPrefix("HTTP/1.1 200"))
    }

    @Test("An idle tunnel is closed after idle_timeout; traffic keeps it open")
    func idleTimeout() throws {
        let harness = HandlerHarness { $0.idleTimeout = .seconds(5) }
        let (client, _) = try harness.client()
        try HandlerHarness.send(client, Self.connect)
        let upstream = try #require(harness.connector.channels.first)
        harness.loop.advanceTime(by: .seconds(4))
        try HandlerHarness.send(upstream, "keepalive")
        harness.loop.advanceTime(by: .seconds(4))
        #expect(client.isActive && upstream.isActive)
        harness.loop.advanceTime(by: .seconds(2))
        #expect(!client.isActive && !upstream.isActive)
        #expect(harness.server.metrics.snapshot().tunnelsOpen == 0)
    }

    @Test("Backpressure: the client is not read while the upstream cannot take more")
    func backpressure() throws {
        let harness = HandlerHarness()
        let (client, reads) = try harness.client()
        try HandlerHarness.send(client, Self.connect)
        let upstream = try #require(harness.connector.channels.first)

        upstream.isWritable = false
        upstream.pipeline.fireChannelWritabilityChanged()
        let before = reads.reads
        client.read()
        #expect(reads.reads == before, "read must be held while the upstream is not writable")

        upstream.isWritable = true
        upstream.pipeline.fireChannelWritabilityChanged()
        #expect(reads.reads == before + 1, "the held read resumes once the upstream drains")
        client.read()
        #expect(reads.reads == before + 2)
    }

    @Test("While the upstream connects, reads pause and early bytes are kept for it")
    func pausedWhileConnecting() throws {
        let harness = HandlerHarness()
        harness.connector.behaviour = .manual
        let (client, reads) = try harness.client()
        try HandlerHarness.send(client, Self.connect + "early-1 ")
        let before = reads.reads
        client.read()
        #expect(reads.reads == before, "no reads while connecting")
        try HandlerHarness.send(client, "early-2")
        harness.connector.completePending()
        #expect(try HandlerHarness.written(client) == "HTTP/1.1 200 Connection Established\r\n\r\n")
        #expect(reads.reads > before, "reading resumes with the tunnel")
        let upstream = try #require(harness.connector.channels.first)
        #expect(try HandlerHarness.written(upstream) == "early-1 early-2")
        try upstream.close().wait()
    }

    @Test("A client that leaves while the upstream connects: the upstream is closed, the slot freed")
    func clientLeavesWhileConnecting() throws {
        let harness = HandlerHarness()
        harness.connector.behaviour = .manual
        let (client, _) = try harness.client()
        try HandlerHarness.send(client, Self.connect)
        #expect(harness.server.admittedTunnels == 1)
        try client.close().wait()
        #expect(harness.server.admittedTunnels == 0)
        harness.connector.completePending()
        let upstream = try #require(harness.connector.channels.first)
        #expect(!upstream.isActive)
        #expect(harness.server.metrics.snapshot().tunnelsTotal == 0)
    }
}
