import Foundation
import PushgateAPNS
import PushgateCore
import PushgateTestSupport
import Testing

@testable import PushgateServer

/// A vendor registered only here (`FakeVendor`, no server code names it) is configured from
/// YAML, validated with paths, routed, batched, rate-limited and reported like APNs, next to
/// APNs in the same app.
@Suite("A vendor registered only in the tests", .timeLimit(.minutes(1)))
struct RegisteredVendorTests {
    static func registry(_ fake: FakeVendor) -> VendorRegistry { VendorRegistry([APNSVendor(), fake]) }

    /// The app `shop` with an APNs block on the simulator and a `testvendor` block whose rate
    /// limit overrides only `per_second` of the app's.
    static func yaml(_ world: EndToEnd, testvendor: String) throws -> String {
        let keyFile = try world.directory.write("apns-key.p8", world.signingKeyPEM)
        return """
            listen: 127.0.0.1:0
            store: sqlite:\(world.directory.path("pushgate.db"))
            apps:
              - id: \(EndToEnd.appID)
                api_keys: [\(APIKeyHash(key: world.apiKey).stored)]
                rate_limit: {per_second: 1000, concurrency: 7}
                apns:
                  topic: \(EndToEnd.topic)
                  key: \(keyFile)
                  key_id: \(EndToEnd.keyID)
                  team_id: \(EndToEnd.teamID)
                  endpoint: https://127.0.0.1:\(world.simulator.port)
                  ca_file: \(world.caFile)
                  connections: 1
                testvendor:
            \(testvendor)
            """
    }

    static let block = """
              label: e2e
              max_batch: 2
              rate_limit: {per_second: 4}
        """

    @Test("the block decodes through the registry; vendor checks and unknown keys name their path")
    func configuration() async throws {
        try await EndToEnd.with { world in
            let fake = FakeVendor()
            let configuration = try ConfigurationLoader.load(
                yaml: try Self.yaml(world, testvendor: Self.block), registry: Self.registry(fake))
            let app = try #require(configuration.apps.first)
            #expect(Set(app.vendors.keys) == [.apns, fake.vendor])
            #expect(app.vendors[fake.vendor]?.settings(as: FakeVendor.Settings.self)?.maxBatch == 2)
            #expect(
                app.rateLimit(for: fake.vendor)
                    == {
                        var merged = RateLimitSettings()
                        merged.perSecond = 4
                        merged.concurrency = 7
                        return merged
                    }(), "per_second from the vendor block, concurrency from the app")
            #expect(app.rateLimit(for: .apns).perSecond == 1000)

            let broken = "      max_batch: 0\n      colour: blue\n      rate_limit: {per_second: 0}"
            let problems = Self.problems(try Self.yaml(world, testvendor: broken), registry: Self.registry(fake))
            #expect(problems.contains("apps[0].testvendor.colour: unknown key"))
            let fixed = broken.replacingOccurrences(of: "\n      colour: blue", with: "")
            let valueProblems = Self.problems(try Self.yaml(world, testvendor: fixed), registry: Self.registry(fake))
            #expect(valueProblems.contains("apps[0].testvendor.label: required"))
            let withLabel = fixed + "\n      label: x"
            let checked = Self.problems(try Self.yaml(world, testvendor: withLabel), registry: Self.registry(fake))
            #expect(checked.contains("apps[0].testvendor.max_batch: 1…1000"))
            #expect(checked.contains("apps[0].testvendor.rate_limit.per_second: above 0"))
            // Without the registration, the block is just an unknown key.
            let unregistered = Self.problems(
                try Self.yaml(world, testvendor: Self.block), registry: VendorRegistry([APNSVendor()]))
            #expect(unregistered.contains("apps[0].testvendor: unknown key"))
        }
    }

    @Test("routed, batched, rate-limited, validated and reported like APNs; shut down once by the router")
    func endToEnd() async throws {
        try await EndToEnd.with { world in
            let fake = FakeVendor()
            let registry = Self.registry(fake)
            let configuration = try ConfigurationLoader.load(
                yaml: try Self.yaml(world, testvendor: Self.block), registry: registry)
            try await world.run(configuration, registry: registry) { gateway in
                let tokens = ["ok-1", "ok-2", "dead-1", "ok-3", "ok-4", "ok-5", "ok-6", "ok-7"]
                let targets =
                    tokens.map { #"{"vendor":"testvendor","token":"\#($0)"}"# }
                    + [#"{"vendor":"apns","token":"\#(EndToEnd.token())"}"#]
                let body =
                    #"{"notification":{"title":"Hi"},"overrides":{"testvendor":{"x":1}},"targets":[\#(targets.joined(separator: ","))]}"#
                let response = try await gateway.request("POST", "/v1/notifications", body: body)
                #expect(response.status == 202)
                let id = try #require(response.json?["id"]?.stringValue)
                let deliveries = try await gateway.eventually("every delivery final") { () -> [JSONValue]? in
                    let status = try await gateway.request("GET", "/v1/notifications/\(id)")
                    let list = status.json?["deliveries"]?.arrayValue ?? []
                    let final = list.allSatisfy { !["queued", "sending"].contains($0["state"]?.stringValue ?? "") }
                    return list.count == 9 && final ? list : nil
                }
                let byToken = Dictionary(
                    uniqueKeysWithValues: deliveries.compactMap { delivery in
                        delivery["token"]?.stringValue.map { ($0, delivery) }
                    })
                #expect(byToken["dead-1"]?["state"]?.stringValue == "invalid_token")
                #expect(byToken["ok-1"]?["state"]?.stringValue == "delivered")
                #expect(byToken["ok-1"]?["vendor"]?.stringValue == "testvendor")
                #expect(
                    deliveries.filter { $0["vendor"]?.stringValue == "apns" }.first?["state"]?.stringValue
                        == "delivered")

                let adapter = try #require(fake.adapter(app: EndToEnd.appID))
                let batches = adapter.batches
                #expect(batches.map(\.deliveries.count) == [2, 2, 2, 2], "max_batch 2 from the block")
                #expect(
                    batches.allSatisfy {
                        $0.deliveries.allSatisfy { $0.notification.overrides[fake.vendor] == .object(["x": 1]) }
                    })
                // 4 per second with a second's burst: the last two batches wait for tokens.
                let span = try #require(batches.last?.at) - #require(batches.first?.at)
                #expect(span >= .milliseconds(900), "8 deliveries at 4/s took \(span)")

                let feed = try await gateway.request("GET", "/v1/invalid-tokens?after=0")
                #expect(feed.json?["tokens"]?[0]?["vendor"]?.stringValue == "testvendor")
                #expect(feed.json?["tokens"]?[0]?["token"]?.stringValue == "dead-1")
                let metrics = String(decoding: gateway.services.metrics.exposition(), as: UTF8.self)
                #expect(
                    metrics.contains(#"pushgate_deliveries_total{app="e2e",vendor="testvendor",outcome="delivered"} 7"#)
                )
                #expect(
                    metrics.contains(
                        #"pushgate_deliveries_total{app="e2e",vendor="testvendor",outcome="invalid_token"} 1"#))
                #expect(metrics.contains(#"pushgate_deliveries_total{app="e2e",vendor="apns",outcome="delivered"} 1"#))

                // The vendor's own validation answers 422 before anything is stored.
                let refused = try await gateway.request(
                    "POST", "/v1/notifications",
                    body: #"{"notification":{"title":"Hi"},"targets":[{"vendor":"testvendor","token":"bad-1"}]}"#)
                #expect(refused.status == 422)
                #expect(refused.json?.errorFields == ["targets[0].token"])
            }
            #expect(fake.adapter(app: EndToEnd.appID)?.shutdowns == 1, "the router shut the adapter down once")
        }
    }

    static func problems(_ yaml: String, registry: VendorRegistry) -> [String] {
        do {
            _ = try ConfigurationLoader.load(yaml: yaml, registry: registry)
            return []
        } catch let problems as ConfigurationLoader.Problems {
            return problems.problems
        } catch {
            return ["\(error)"]
        }
    }
}
