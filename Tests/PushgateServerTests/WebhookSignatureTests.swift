import Crypto
import Foundation
import PushgateCore
import Testing

@testable import PushgateServer

@Suite("Webhook signature and retry schedule")
struct WebhookSignatureTests {
    /// Vectors computed independently of this code, with Python's standard library:
    /// `hmac.new(secret, str(t).encode() + b"." + body, hashlib.sha256).hexdigest()`.
    static let vectors: [(secret: String, timestamp: Int64, body: String, hex: String)] = [
        (
            "whsec_test_4f9a2c7e1b", 1_750_000_000, #"{"type":"delivery.final","state":"delivered"}"#,
            "b093b276b48b0794a90d7e02f1dbc86acaa5ddde4dfa038c9cef04a04b0e9c9a"
        ),
        (
            "sécret-ключ", 1, #"{"title":"Grüße 👋"}"#,
            "2d1111c8b54b7f9ec968302f79abe7af9ef43f82e9f8ff5e58442644dd7f8a4a"
        ),
    ]

    @Test("the header is t=<seconds>,v1=<lower-case hex HMAC-SHA256 of \"<t>.<body>\">", arguments: 0..<2)
    func knownVectors(index: Int) {
        let vector = Self.vectors[index]
        let header = WebhookSignature.header(
            secret: WebhookSignature.key(secret: vector.secret),
            timestamp: vector.timestamp,
            body: Array(vector.body.utf8)
        )
        #expect(header == "t=\(vector.timestamp),v1=\(vector.hex)")
    }

    @Test("a file secret's trailing newline is not part of the key")
    func secretIsTrimmed() {
        let body = Array(Self.vectors[0].body.utf8)
        let header = WebhookSignature.header(
            secret: WebhookSignature.key(secret: "whsec_test_4f9a2c7e1b\n"), timestamp: 1_750_000_000, body: body)
        #expect(header.hasSuffix(Self.vectors[0].hex))
    }

    @Test("verify accepts the signature within the tolerance and rejects any change")
    func verify() {
        let key = WebhookSignature.key(secret: "whsec_test_4f9a2c7e1b")
        let body = Array(#"{"type":"invalid_token"}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let header = WebhookSignature.header(secret: key, timestamp: 1_750_000_000, body: body)
        #expect(WebhookSignature.verify(header: header, body: body, secret: key, now: now))
        #expect(WebhookSignature.verify(header: header, body: body, secret: key, now: now.addingTimeInterval(299)))
        // Too old: a replay.
        #expect(!WebhookSignature.verify(header: header, body: body, secret: key, now: now.addingTimeInterval(301)))
        // Another body, another key, or another timestamp under the same code.
        #expect(!WebhookSignature.verify(header: header, body: body + [0x20], secret: key, now: now))
        let otherKey = WebhookSignature.key(secret: "x")
        #expect(!WebhookSignature.verify(header: header, body: body, secret: otherKey, now: now))
        let shifted = header.replacingOccurrences(of: "t=1750000000", with: "t=1750000001")
        #expect(!WebhookSignature.verify(header: shifted, body: body, secret: key, now: now))
        // Unknown parts are ignored; a garbled header is just invalid.
        #expect(WebhookSignature.verify(header: header + ",v2=abcd", body: body, secret: key, now: now))
        #expect(!WebhookSignature.verify(header: "nonsense", body: body, secret: key, now: now))
        #expect(!WebhookSignature.verify(header: "t=1750000000,v1=zz", body: body, secret: key, now: now))
    }

    @Test("2xx is sent; anything else retries with a doubling backoff, ±20 %, up to 12 attempts")
    func schedule() {
        let configuration = WebhookSender.Configuration()
        let now = Date(timeIntervalSince1970: 1_000)
        for status in [200, 202, 204] {
            let decision = WebhookSender.decide(
                .status(status, retryAfter: nil), attempt: 12, now: now, configuration: configuration)
            #expect(decision == .sent)
        }
        func delay(_ result: WebhookSender.AttemptResult, attempt: Int, random: Double) -> TimeInterval? {
            guard
                case .retry(let at) = WebhookSender.decide(
                    result, attempt: attempt, now: now, configuration: configuration, random: random)
            else { return nil }
            return (at.timeIntervalSince(now) * 1000).rounded() / 1000  // whole milliseconds, as scheduled
        }
        let failure = WebhookSender.AttemptResult.status(500, retryAfter: nil)
        #expect(delay(failure, attempt: 1, random: 0.5) == 1)
        #expect(delay(failure, attempt: 2, random: 0.5) == 2)
        #expect(delay(failure, attempt: 5, random: 0.5) == 16)
        #expect(delay(failure, attempt: 1, random: 0) == 0.8)
        #expect(delay(failure, attempt: 1, random: 1) == 1.2)
        // Capped at 10 minutes (then jittered).
        #expect(delay(failure, attempt: 11, random: 0.5) == 600)
        #expect(delay(.transportFailure("timed out"), attempt: 3, random: 0.5) == 4)
        #expect(delay(.status(302, retryAfter: nil), attempt: 1, random: 0.5) == 1)
        // Retry-After wins when longer, but never beyond the longest backoff.
        #expect(delay(.status(429, retryAfter: .seconds(30)), attempt: 1, random: 0.5) == 30)
        #expect(delay(.status(503, retryAfter: .seconds(86_400)), attempt: 1, random: 0.5) == 600)
        // The 12th attempt is the last.
        #expect(delay(failure, attempt: 11, random: 0.5) != nil)
        #expect(WebhookSender.decide(failure, attempt: 12, now: now, configuration: configuration) == .failed)
        let lastTransportFailure = WebhookSender.decide(
            .transportFailure("x"), attempt: 12, now: now, configuration: configuration)
        #expect(lastTransportFailure == .failed)
    }

    @Test("secrets are resolved at start; a missing one names its place")
    func endpoints() throws {
        var app = GatewayConfiguration.App(id: "a", apiKeys: [])
        app.webhook = GatewayConfiguration.Webhook(
            url: "https://hooks.example.com/pushgate", secret: Secret(reference: "${PUSHGATE_TEST_HOOK_SECRET}"))
        let resolved = try WebhookSender.endpoints(apps: [app], environment: ["PUSHGATE_TEST_HOOK_SECRET": "s3cret\n"])
        #expect(resolved["a"]?.url.absoluteString == "https://hooks.example.com/pushgate")

        let missing = #expect(throws: PushgateError.self) {
            try WebhookSender.endpoints(apps: [app], environment: [:])
        }
        #expect(missing?.message.hasPrefix("apps[0].webhook.secret:") == true)
        #expect(missing?.message.contains("s3cret") == false)

        app.webhook = GatewayConfiguration.Webhook(url: "https://hooks.example.com/x", secret: Secret(reference: "   "))
        #expect(throws: PushgateError.self) { try WebhookSender.endpoints(apps: [app], environment: [:]) }
        app.webhook = GatewayConfiguration.Webhook(url: "ftp://hooks.example.com/x", secret: Secret(reference: "s"))
        #expect(throws: PushgateError.self) { try WebhookSender.endpoints(apps: [app], environment: [:]) }
    }

}
