import Foundation
import Hummingbird
import Testing

@testable import PushgateServer

/// `URLSessionWebhookTransport` against a live HTTP server on loopback: what the sender relies on it for.
@Suite("Webhook transport over URLSession", .timeLimit(.minutes(1)))
struct WebhookTransportTests {
    actor Hits {
        private(set) var paths: [String] = []
        private(set) var headers: [String: String] = [:]
        private(set) var body: [UInt8] = []

        func record(_ path: String, headers: [String: String] = [:], body: [UInt8] = []) {
            self.paths.append(path)
            if !headers.isEmpty {
                self.headers = headers
                self.body = body
            }
        }
    }

    static func withServer(_ body: (URL, Hits) async throws -> Void) async throws {
        let hits = Hits()
        let router = Router()
        router.post("/echo") { request, _ -> HTTPResponse.Status in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let bytes = try await request.body.collect(upTo: 1 << 20)
            await hits.record("/echo", headers: headers, body: Array(bytes.readableBytesView))
            return .accepted
        }
        router.post("/redirect") { _, _ -> Response in
            await hits.record("/redirect")
            return Response(status: .found, headers: [.location: "/landing"])
        }
        router.post("/landing") { _, _ -> HTTPResponse.Status in
            await hits.record("/landing")
            return .noContent
        }
        router.post("/busy") { _, _ -> Response in
            Response(status: .serviceUnavailable, headers: [.retryAfter: "7"])
        }
        router.post("/slow") { _, _ -> HTTPResponse.Status in
            try await Task.sleep(for: .seconds(2))
            return .noContent
        }
        try await LiveServer.run(router: router) { port in
            guard let base = URL(string: "http://127.0.0.1:\(port)") else { throw TestFailure(description: "url") }
            try await body(base, hits)
        }
    }

    @Test("the body and headers arrive as given; the status comes back")
    func post() async throws {
        try await Self.withServer { base, hits in
            let transport = URLSessionWebhookTransport()
            defer { transport.shutdown() }
            let body = Array(#"{"type":"delivery.final"}"#.utf8)
            let response = try await transport.post(
                url: base.appendingPathComponent("echo"),
                headers: [("Content-Type", "application/json"), ("Pushgate-Event-Id", "42")],
                body: body,
                timeout: .seconds(5)
            )
            #expect(response == WebhookTransportResponse(status: 202, retryAfter: nil))
            #expect(await hits.body == body)
            #expect(await hits.headers["content-type"] == "application/json")
            #expect(await hits.headers["pushgate-event-id"] == "42")
        }
    }

    @Test("a redirect is the answer, not followed")
    func redirectNotFollowed() async throws {
        try await Self.withServer { base, hits in
            let transport = URLSessionWebhookTransport()
            defer { transport.shutdown() }
            let response = try await transport.post(
                url: base.appendingPathComponent("redirect"), headers: [], body: [], timeout: .seconds(5))
            #expect(response.status == 302)
            #expect(await hits.paths == ["/redirect"])
        }
    }

    @Test("Retry-After seconds are read")
    func retryAfter() async throws {
        try await Self.withServer { base, _ in
            let transport = URLSessionWebhookTransport()
            defer { transport.shutdown() }
            let response = try await transport.post(
                url: base.appendingPathComponent("busy"), headers: [], body: [], timeout: .seconds(5))
            #expect(response == WebhookTransportResponse(status: 503, retryAfter: .seconds(7)))
        }
    }

    @Test("a receiver slower than the deadline is a transport failure, summarised without the URL")
    func deadline() async throws {
        try await Self.withServer { base, _ in
            let transport = URLSessionWebhookTransport()
            defer { transport.shutdown() }
            var url = base.appendingPathComponent("slow")
            url = URL(string: url.absoluteString + "?token=hunter2") ?? url
            let error = await #expect(throws: (any Error).self) {
                _ = try await transport.post(url: url, headers: [], body: [], timeout: .milliseconds(300))
            }
            let summary = error.map(WebhookTransportFailure.summary)
            #expect(summary == "timed out")
        }
    }

    @Test("nobody listening is a transport failure")
    func refused() async throws {
        let transport = URLSessionWebhookTransport()
        defer { transport.shutdown() }
        // Port 1 on loopback: nothing listens there in a test environment.
        let url = try #require(URL(string: "http://127.0.0.1:1/hook"))
        let error = await #expect(throws: (any Error).self) {
            _ = try await transport.post(url: url, headers: [], body: [], timeout: .seconds(5))
        }
        #expect(error.map(WebhookTransportFailure.summary) == "connection refused")
    }
}
