import Foundation
import NIOCore
import PushgateTestSupport
import Testing

@testable import PushgateProxy

/// The real curl through a real proxy to the APNs simulator, over loopback.
@Suite("Proxy end to end (curl)")
struct ProxyEndToEndTests {
    @Test("Plain listener: curl reaches the simulator over HTTP/2 through CONNECT")
    func plain() async throws {
        try await EndToEndFixture.with { fixture in
            let proxy = try await fixture.start(fixture.configuration([fixture.plainListener]))
            let result = try await fixture.curlCounters(proxyURL: "http://127.0.0.1:\(proxy.listenerPorts[0])")
            #expect(result.connectCode == 200, "\(result)")
            #expect(result.httpCode == 200, "\(result)")
            #expect(result.body.contains("connectionsOpened"))
            #expect(await fixture.eventually(proxy) { $0.tunnelsTotal == 1 && $0.tunnelsOpen == 0 })
            let stats = proxy.stats()
            #expect(stats.bytesUpstream > 300 && stats.bytesDownstream > 300)
            #expect(fixture.simulator.counters().connectionsOpened == 1)
            let line = try #require(fixture.logs.entries.first { $0.message == "tunnel closed" })
            #expect(line.metadata["proxy.target"] == fixture.target)
            #expect(line.metadata["proxy.result"] == "200")
            #expect(line.metadata["proxy.client"]?.hasPrefix("127.0.0.1:") == true)
        }
    }

    @Test("TLS listener: curl trusts the proxy with --proxy-cacert")
    func tls() async throws {
        try await EndToEndFixture.with { fixture in
            let proxy = try await fixture.start(fixture.configuration([fixture.tlsListener]))
            let port = proxy.listenerPorts[0]
            let result = try await fixture.curlCounters(
                proxyURL: "https://localhost:\(port)",
                extra: ["--proxy-cacert", fixture.proxyCAFile]
            )
            #expect(result.connectCode == 200 && result.httpCode == 200, "\(result)")

            // Without the CA, curl refuses the proxy's certificate.
            let untrusted = try await fixture.curlCounters(proxyURL: "https://localhost:\(port)")
            #expect(untrusted.exitCode != 0 && untrusted.connectCode == 0, "\(untrusted)")
        }
    }

    @Test("Proxy-Authorization: good credentials pass, wrong and missing get 407")
    func basicAuthentication() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            let hash = try PasswordHash.make(password: "pa ss:word", iterations: 2000)
            configuration.users = [.init(name: "gateway", passwordHash: hash.encoded)]
            let proxy = try await fixture.start(configuration)
            let url = "http://127.0.0.1:\(proxy.listenerPorts[0])"

            let good = try await fixture.curlCounters(proxyURL: url, extra: ["--proxy-user", "gateway:pa ss:word"])
            #expect(good.connectCode == 200 && good.httpCode == 200, "\(good)")
            // Again: served from the verified-credentials cache, same answer.
            let again = try await fixture.curlCounters(proxyURL: url, extra: ["--proxy-user", "gateway:pa ss:word"])
            #expect(again.connectCode == 200, "\(again)")

            let wrong = try await fixture.curlCounters(proxyURL: url, extra: ["--proxy-user", "gateway:nope"])
            #expect(wrong.connectCode == 407 && wrong.exitCode != 0, "\(wrong)")
            let unknown = try await fixture.curlCounters(proxyURL: url, extra: ["--proxy-user", "mallory:pa ss:word"])
            #expect(unknown.connectCode == 407, "\(unknown)")
            let missing = try await fixture.curlCounters(proxyURL: url)
            #expect(missing.connectCode == 407, "\(missing)")

            #expect(await fixture.eventually(proxy) { $0.tunnelsTotal == 2 && $0.tunnelsOpen == 0 })
            let stats = proxy.stats()
            #expect(stats.refused("auth_failed") == 2)
            #expect(stats.refused("auth_required") == 1)
            let log = fixture.logs.allText
            #expect(!log.contains("pa ss:word") && !log.contains("nope") && !log.contains("Basic "))
            #expect(log.contains("proxy.user=gateway"))
        }
    }

    @Test("mTLS: a client certificate from the configured CA passes; another CA's, or none, is refused")
    func mutualTLS() async throws {
        try await EndToEndFixture.with { fixture in
            let proxy = try await fixture.start(fixture.configuration([fixture.mutualTLSListener]))
            let url = "https://localhost:\(proxy.listenerPorts[0])"
            let trust = ["--proxy-cacert", fixture.proxyCAFile]

            let good = try await fixture.curlCounters(
                proxyURL: url,
                extra: trust + ["--proxy-cert", fixture.clientCertificateFile, "--proxy-key", fixture.clientKeyFile]
            )
            #expect(good.connectCode == 200 && good.httpCode == 200, "\(good)")

            let foreign = try await fixture.curlCounters(
                proxyURL: url,
                extra: trust + ["--proxy-cert", fixture.foreignCertificateFile, "--proxy-key", fixture.foreignKeyFile]
            )
            #expect(foreign.exitCode != 0 && foreign.connectCode != 200, "\(foreign)")
            let none = try await fixture.curlCounters(proxyURL: url, extra: trust)
            #expect(none.exitCode != 0 && none.connectCode != 200, "\(none)")

            #expect(await fixture.eventually(proxy) { $0.refused("tls_failed") == 2 })
            #expect(proxy.stats().tunnelsTotal == 1)
            #expect(fixture.simulator.counters().connectionsOpened == 1)
        }
    }

    @Test("403 for other hosts, other ports and IP literals (even listed); a trailing dot is the same name")
    func forbiddenTargets() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.allow += ["127.0.0.1:\(fixture.simulatorPort)", "[::1]:\(fixture.simulatorPort)"]
            let proxy = try await fixture.start(configuration)
            let url = "http://127.0.0.1:\(proxy.listenerPorts[0])"
            let port = fixture.simulatorPort

            for target in [
                "https://example.com:\(port)/", "https://localhost:\(port == 65535 ? 1 : port + 1)/",
                "https://127.0.0.1:\(port)/", "https://[::1]:\(port)/", "https://2130706433:\(port)/",
            ] {
                let result = try await Curl.run(["-x", url, "--cacert", fixture.simulatorCAFile, target])
                #expect(result.connectCode == 403, "\(target): \(result)")
            }
            #expect(await fixture.eventually(proxy) { $0.refused("forbidden_target") == 5 })
            #expect(fixture.simulator.counters().connectionsOpened == 0)

            // "localhost." is normalised to the listed "localhost"; the proxy opens the tunnel.
            let dotted = try await fixture.curlCounters(proxyURL: url, host: "localhost.")
            #expect(dotted.connectCode == 200, "\(dotted)")
            #expect(await fixture.eventually(proxy) { $0.tunnelsTotal == 1 })
        }
    }

    @Test("A GET with an absolute URI (a plain forward-proxy request) is refused with 403")
    func absoluteURIGet() async throws {
        try await EndToEndFixture.with { fixture in
            let proxy = try await fixture.start(fixture.configuration([fixture.plainListener]))
            let result = try await Curl.run(
                ["-x", "http://127.0.0.1:\(proxy.listenerPorts[0])", "http://localhost:\(fixture.simulatorPort)/"]
            )
            #expect(result.httpCode == 403, "\(result)")
            #expect(result.body == "only CONNECT is supported\n")
            #expect(await fixture.eventually(proxy) { $0.refused("method_not_allowed") == 1 })
        }
    }

    @Test("Admin listener: /healthz, /metrics with the counters, 404 elsewhere")
    func admin() async throws {
        try await EndToEndFixture.with { fixture in
            var configuration = fixture.configuration([fixture.plainListener])
            configuration.admin = .init(address: "127.0.0.1:0")
            let proxy = try await fixture.start(configuration)
            let adminPort = try #require(proxy.adminPort)
            let proxyURL = "http://127.0.0.1:\(proxy.listenerPorts[0])"

            let health = try await Curl.run(["http://127.0.0.1:\(adminPort)/healthz"])
            #expect(health.httpCode == 200 && health.body == "ok\n", "\(health)")

            _ = try await fixture.curlCounters(proxyURL: proxyURL)
            _ = try await Curl.run(["-x", proxyURL, "https://example.com:443/"])
            #expect(await fixture.eventually(proxy) { $0.tunnelsTotal == 1 && $0.tunnelsOpen == 0 })

            let metrics = try await Curl.run(["http://127.0.0.1:\(adminPort)/metrics"])
            #expect(metrics.httpCode == 200)
            let text = metrics.body
            #expect(text.contains("pushgate_proxy_tunnels_total 1"))
            #expect(text.contains("pushgate_proxy_tunnels_open 0"))
            #expect(text.contains("pushgate_proxy_refused_total{reason=\"forbidden_target\"} 1"))
            #expect(text.contains("pushgate_proxy_refused_total{reason=\"tunnel_limit\"} 0"))
            #expect(text.contains("pushgate_proxy_bytes_total{direction=\"upstream\"} \(proxy.stats().bytesUpstream)"))
            #expect(text.contains("pushgate_proxy_bytes_total{direction=\"downstream\"}"))
            #expect(text.contains("pushgate_proxy_upstream_connect_seconds_count 1"))
            #expect(text.contains("pushgate_proxy_upstream_connect_seconds_bucket{le=\"+Inf\"} 1"))

            let missing = try await Curl.run(["http://127.0.0.1:\(adminPort)/nope"])
            #expect(missing.httpCode == 404)
            let post = try await Curl.run(["-X", "POST", "http://127.0.0.1:\(adminPort)/healthz"])
            #expect(post.httpCode == 405)
        }
    }
}
