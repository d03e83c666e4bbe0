import Foundation
import PushgateAPNS
import PushgateCore
import PushgateServer
import Testing

@Suite struct ConfigurationLoaderTests {
    static let hash = "sha256:" + String(repeating: "ab", count: 32)

    static let valid = """
        listen: 0.0.0.0:9000
        store: sqlite:/var/lib/pushgate/pushgate.db
        idempotency_window: 12h
        dispatcher:
          batch_size: 100
          lease: 30s
        retention: {notifications: 3d, invalid_tokens: 90d}
        proxies:
          overseas:
            url: https://proxy.example.com:8443
            password: ${PROXY_PASSWORD}
        apps:
          - id: shop
            api_keys: [\(hash)]
            apns:
              topic: com.example.shop
              key: /etc/pushgate/AuthKey_ABC.p8
              key_id: ABC123DEFG
              team_id: TEAM123456
              proxy: overseas
            rate_limit: {per_second: 500, concurrency: 50}
            retry: {max_attempts: 5, initial_backoff: 500ms, max_backoff: 5m}
            default_ttl: 2d
            webhook: {url: "https://backend.example.com/hooks", secret: "${HOOK_SECRET}"}
        """

    @Test func loadsEveryField() throws {
        let configuration = try ConfigurationLoader.load(yaml: Self.valid, registry: TestVendors.standard)
        #expect(configuration.listen == "0.0.0.0:9000")
        #expect(configuration.idempotencyWindow.seconds == 43_200)
        #expect(configuration.dispatcher.batchSize == 100)
        #expect(configuration.dispatcher.lease.seconds == 30)
        #expect(configuration.retention.notifications.seconds == 259_200)
        #expect(configuration.retention.invalidTokens.seconds == 7_776_000)
        #expect(configuration.retention.every.seconds == 60, "the default")
        let app = try #require(configuration.apps.first)
        #expect(app.vendors[.apns]?.settings(as: APNSVendor.Settings.self)?.keyID == "ABC123DEFG")
        #expect(app.vendors[.apns]?.common.proxy == "overseas")
        #expect(app.rateLimit.perSecond == 500)
        #expect(app.retry.initialBackoff.seconds == 0.5)
        #expect(app.retry.maxBackoff.seconds == 300)
        #expect(app.defaultTTL.seconds == 172_800)
        #expect(app.webhook?.url == "https://backend.example.com/hooks")
        #expect("\(app.webhook!.secret)" == "<secret>", "secrets never print")
    }

    @Test func reportsEveryProblemWithItsPath() {
        let yaml = """
            listen: nowhere
            colour: blue
            apps:
              - id: shop
                api_keys: [plaintext-key]
                apns:
                  topic: com.example.shop
                  key_id: ABC
                  proxy: missing
                  teem_id: typo
            """
        do {
            _ = try ConfigurationLoader.load(yaml: yaml, registry: TestVendors.standard)
            Issue.record("must fail")
        } catch let error as ConfigurationLoader.Problems {
            #expect(error.problems.contains("colour: unknown key"))
            #expect(error.problems.contains("apps[0].apns.teem_id: unknown key"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        // With the unknown keys gone, the value checks report each place.
        let fixed = yaml.replacingOccurrences(of: "colour: blue\n", with: "").replacingOccurrences(
            of: "\n      teem_id: typo", with: "")
        do {
            _ = try ConfigurationLoader.load(yaml: fixed, registry: TestVendors.standard)
            Issue.record("must fail")
        } catch let error as ConfigurationLoader.Problems {
            #expect(error.problems.contains("listen: expected host:port"))
            #expect(error.problems.contains { $0.hasPrefix("apps[0].api_keys[0]: expected sha256:") })
            #expect(error.problems.contains("apps[0].apns: key, key_id and team_id go together"))
            #expect(error.problems.contains("apps[0].apns.proxy: no proxy named missing in proxies"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aKeyConfiguredForTwoAppsIsRefused() {
        let yaml = Self.valid + "\n  - id: other\n    api_keys: [\(Self.hash)]\n"
        do {
            _ = try ConfigurationLoader.load(yaml: yaml, registry: TestVendors.standard)
            Issue.record("must fail")
        } catch let error as ConfigurationLoader.Problems {
            #expect(error.problems.contains("apps[1].api_keys[0]: the same key is configured for app shop"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func badDurationsAndTypesNameTheirPlace() {
        let yaml = Self.valid.replacingOccurrences(of: "lease: 30s", with: "lease: soon")
        #expect(throws: ConfigurationLoader.Problems.self) {
            try ConfigurationLoader.load(yaml: yaml, registry: TestVendors.standard)
        }
        do {
            _ = try ConfigurationLoader.load(yaml: yaml, registry: TestVendors.standard)
        } catch {
            #expect("\(error)".contains("dispatcher.lease"))
        }
    }

    @Test func retentionRefusesUnknownKeysAndZero() {
        for (retention, problem) in [
            ("{notifications: 0s}", "retention.notifications: at least 1s"),
            ("{finished: 7d}", "retention.finished"),
        ] {
            let yaml = Self.valid.replacingOccurrences(
                of: "retention: {notifications: 3d, invalid_tokens: 90d}", with: "retention: \(retention)")
            do {
                _ = try ConfigurationLoader.load(yaml: yaml, registry: TestVendors.standard)
                Issue.record("\(retention) was accepted")
            } catch {
                #expect("\(error)".contains(problem), "\(error)")
            }
        }
    }

    @Test func secretsResolveFromTheEnvironmentAndFiles() throws {
        #expect(try Secret(reference: "${X}").resolve(environment: ["X": "value"]) == "value")
        #expect(throws: (any Error).self) { try Secret(reference: "${MISSING}").resolve(environment: [:]) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID())")
        try "from-file".write(to: file, atomically: true, encoding: .utf8)
        #expect(try Secret(reference: "file:" + file.path).resolve() == "from-file")
        #expect(try Secret(reference: "literal").resolve() == "literal")
    }

    @Test func apiKeysAreStoredAsHashesAndComparedExactly() throws {
        let hash = APIKeyHash(key: "pg_secret_key_123456")
        let stored = try #require(APIKeyHash(stored: hash.stored))
        #expect(stored.matches(key: "pg_secret_key_123456"))
        #expect(!stored.matches(key: "pg_secret_key_123457"))
        #expect(APIKeyHash(stored: "md5:abc") == nil)
    }
}
